// The cross-client report: counts per verdict per group for every client, the group-9 timings side by
// side, and every case that is not OK with its reason. Written as Markdown and JSON; a summary for the
// terminal. With the roles swapped (`subject: 'server'`), the same for servers, and the cases skipped
// as not applying to a server, with why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERDICTS, type CaseResult, type Verdict } from './server/case.ts';
import type { ClientRun } from './runner.ts';

export interface Report {
  date: string;
  machine: string;
  selection: string;
  note: string;
  runs: ClientRun[];
  /** What the rows are (default 'client'): 'server' for the fuzzing client's runs against servers. */
  subject?: 'client' | 'server';
}

const GROUP_NAMES: Record<number, string> = {
  1: 'framing',
  2: 'ping/pong',
  3: 'reserved bits',
  4: 'opcodes',
  5: 'fragmentation',
  6: 'UTF-8',
  7: 'close',
  9: 'limits',
  10: 'auto-fragment',
};

const SHORT: Record<Verdict, string> = { OK: 'OK', 'NON-STRICT': 'NS', INFORMATIONAL: 'INFO', FAILED: 'FAIL' };

function groups(runs: ClientRun[]): number[] {
  return [...new Set(runs.flatMap((r) => r.results.map((c) => c.group)))].sort((a, b) => a - b);
}

function counts(results: CaseResult[]): Record<Verdict, number> {
  const c = { OK: 0, 'NON-STRICT': 0, INFORMATIONAL: 0, FAILED: 0 } as Record<Verdict, number>;
  for (const r of results) c[r.verdict]++;
  return c;
}

/** "40" when all OK, else "38 OK · 2 NS". */
function cell(results: CaseResult[], missing = 0): string {
  if (results.length === 0 && missing === 0) return '–';
  const c = counts(results);
  const parts = VERDICTS.filter((v) => c[v] > 0).map((v) => `${c[v]} ${SHORT[v]}`);
  if (missing) parts.push(`${missing} not run`);
  return parts.join(' · ');
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function toMarkdown(report: Report): string {
  const { runs } = report;
  const subject = report.subject ?? 'client';
  const gs = groups(runs);
  const lines: string[] = [];
  lines.push(subject === 'server' ? '# wasm-ws server conformance report' : '# wasm-ws conformance report', '');
  lines.push(`${report.date} · ${report.machine} · selection: ${report.selection}`, '');
  if (report.note) lines.push(report.note, '');
  lines.push(
    'Verdicts as the Autobahn TestSuite gives them: OK, NS = NON-STRICT, INFO = INFORMATIONAL, FAIL = FAILED.',
    '',
  );
  lines.push(`| ${subject} | ${gs.map((g) => `${g} ${GROUP_NAMES[g] ?? ''}`).join(' | ')} | total | run time |`);
  lines.push(`| --- | ${gs.map(() => '---').join(' | ')} | --- | --- |`);
  for (const r of runs) {
    const missingIn = (g: number) => r.missing.filter((id) => Number(id.split('.')[0]) === g).length;
    lines.push(
      `| ${r.client} | ${gs
        .map((g) =>
          cell(
            r.results.filter((c) => c.group === g),
            missingIn(g),
          ),
        )
        .join(' | ')} | ${cell(r.results, r.missing.length)} | ${fmtMs(r.ms)} |`,
    );
  }
  lines.push('');
  const g9 = [
    ...new Map(
      runs.flatMap((r) => r.results.filter((c) => c.group === 9).map((c) => [c.id, c.description] as const)),
    ).entries(),
  ];
  if (g9.length > 0) {
    lines.push(
      '## Group 9 timings',
      '',
      'Each case from the opening handshake to the end of the close handshake; a verdict other than OK is shown next to its time.',
      '',
    );
    lines.push(`| case | description | ${runs.map((r) => r.client).join(' | ')} |`);
    lines.push(`| --- | --- | ${runs.map(() => '---:').join(' | ')} |`);
    for (const [id, description] of g9) {
      lines.push(
        `| ${id} | ${description} | ${runs
          .map((r) => {
            const c = r.results.find((x) => x.id === id);
            if (!c) return '–';
            return c.verdict === 'OK' ? fmtMs(c.ms) : `${fmtMs(c.ms)} (${SHORT[c.verdict]})`;
          })
          .join(' | ')} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Cases that are not OK', '');
  for (const r of runs) {
    const bad = r.results.filter((c) => c.verdict !== 'OK');
    lines.push(`### ${r.client}`, '');
    if (r.hung || r.exitCode !== 0)
      lines.push(`The agent ${r.hung ? 'hung and was killed' : `exited with code ${r.exitCode}`}.`, '');
    if (r.missing.length) lines.push(`Not run: ${r.missing.join(', ')}`, '');
    if (r.skipped?.length) {
      lines.push('Skipped (they do not apply to a server):', '');
      for (const s of r.skipped) lines.push(`- ${s.id} ${s.description}: ${s.reason}`);
      lines.push('');
    }
    if (bad.length === 0) {
      lines.push('Every case OK.', '');
      continue;
    }
    lines.push('| case | verdict | reason | description |', '| --- | --- | --- | --- |');
    for (const c of bad)
      lines.push(
        `| ${c.id} | ${c.verdict} | ${c.reason.replace(/\|/g, '\\|')} | ${c.description.replace(/\|/g, '\\|')} |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes `name`.md and `name`.json into `dir` (default name: conformance). */
export function writeReport(dir: string, report: Report, name = 'conformance'): { markdown: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, `${name}.md`);
  const json = join(dir, `${name}.json`);
  writeFileSync(markdown, toMarkdown(report));
  writeFileSync(json, JSON.stringify(report, null, 2));
  return { markdown, json };
}

/** The terminal summary: the per-group table in plain columns, the group-9 times, the worst reasons. */
export function summary(report: Report): string {
  const { runs } = report;
  const gs = groups(runs);
  const rows = [[report.subject ?? 'client', ...gs.map(String), 'total', 'time']];
  for (const r of runs) {
    rows.push([
      r.client,
      ...gs.map((g) =>
        cell(
          r.results.filter((c) => c.group === g),
          r.missing.filter((id) => Number(id.split('.')[0]) === g).length,
        ),
      ),
      cell(r.results, r.missing.length),
      fmtMs(r.ms),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const out = rows.map((row) => row.map((v, i) => v.padEnd(widths[i])).join('  '));
  const g9 = runs.flatMap((r) => r.results.filter((c) => c.group === 9));
  if (g9.length > 0) {
    out.push(
      '',
      'group 9 total time per client: ' +
        runs
          .map((r) => `${r.client} ${fmtMs(r.results.filter((c) => c.group === 9).reduce((s, c) => s + c.ms, 0))}`)
          .join(', '),
    );
  }
  return out.join('\n');
}
