// The full cross-client report: `npm run conformance` (node --import tsx conformance/run.ts).
//   --quick            the quick selection (no heavy group-9 cases) instead of every case
//   --clients a,b      only these clients (names as in the report: ours/node, native/bun, ws/node, …; or prefixes)
//   --cases 6,7.2      only cases with these id prefixes
//   --out DIR          where conformance.md and conformance.json go (default conformance/reports)
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from './agent/agent.ts';
import { summary, writeReport, type Report } from './report.ts';
import { CLIENTS, ROOT, runClient, type ClientRun } from './runner.ts';
import { selectCases } from './server/cases/index.ts';
import { startFuzzingServer } from './server/server.ts';

const args = parseArgs(process.argv.slice(2));
const quick = args.quick === 'true';
const only = args.cases?.split(',').filter(Boolean);
const wanted = args.clients?.split(',').filter(Boolean);
const clients = CLIENTS.filter((c) => !wanted || wanted.some((w) => c.name.startsWith(w)));
const out = args.out ?? join(ROOT, 'conformance/reports');

const cases = selectCases(quick ? 'quick' : 'full', only);
const server = await startFuzzingServer({ cases });
console.log(
  `fuzzing server on ${server.url}: ${cases.length} cases (${quick ? 'quick selection' : 'all cases'}${only ? `, ids ${only.join(',')}` : ''}), ${clients.length} clients`,
);
const runs: ClientRun[] = [];
try {
  for (const c of clients) {
    process.stdout.write(`${c.name.padEnd(12)} `);
    let n = 0;
    const run = await runClient(server, c, 30 * 60_000, () => {
      if (++n % 25 === 0) process.stdout.write('.');
    });
    const failed = run.results.filter((r) => r.verdict === 'FAILED').length;
    console.log(
      ` ${run.results.length} cases in ${(run.ms / 1000).toFixed(1)} s, ${failed} FAILED${run.exitCode !== 0 ? `, agent exit ${run.exitCode}${run.hung ? ' (hung)' : ''}` : ''}`,
    );
    if (run.exitCode !== 0) console.log(run.stderr.trim().split('\n').slice(-5).join('\n'));
    runs.push(run);
  }
} finally {
  await server.stop();
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const report: Report = {
  date: new Date().toISOString(),
  machine: `${os.platform()} ${os.arch()}, ${os.cpus().length} × ${cpu}, Node ${process.version}`,
  selection: quick ? 'quick (heavy group-9 cases left out)' : 'full',
  note: only ? `Only cases ${only.join(', ')}.` : '',
  runs,
};
const files = writeReport(out, report);
console.log(`\n${summary(report)}`);
console.log(`\nreport: ${files.markdown}\n        ${files.json}`);
