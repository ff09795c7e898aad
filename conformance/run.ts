// The full cross-client report: `npm run conformance` (node --import tsx conformance/run.ts).
//   --quick            the quick selection (no heavy group-9 cases) instead of every case
//   --clients a,b      only these clients (names as in the report: ours/node, native/bun, ws/node, …; or prefixes)
//   --cases 6,7.2      only cases with these id prefixes
//   --out DIR          where conformance.md and conformance.json go (default conformance/reports)
// With the roles swapped: `npm run conformance -- --servers` runs our server (conformance/server-agent/)
// on each runtime under the fuzzing client (conformance/client/) and writes server-conformance.{md,json}.
//   --servers [node,bun,deno]   all three, or these runtimes; --quick, --cases and --out as above
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from './agent/agent.ts';
import { summary, writeReport, type Report } from './report.ts';
import { CLIENTS, ROOT, runClient, runServerAgent, SERVERS, type ClientRun } from './runner.ts';
import { selectCases } from './server/cases/index.ts';
import { startFuzzingServer } from './server/server.ts';

const args = parseArgs(process.argv.slice(2));
const quick = args.quick === 'true';
const only = args.cases?.split(',').filter(Boolean);
const out = args.out ?? join(ROOT, 'conformance/reports');
const cases = selectCases(quick ? 'quick' : 'full', only);
const runs: ClientRun[] = [];

/** One line per run: cases, time, FAILED count, and how the agent ended when not well. */
function line(run: ClientRun): string {
  const failed = run.results.filter((r) => r.verdict === 'FAILED').length;
  return ` ${run.results.length} cases in ${(run.ms / 1000).toFixed(1)} s, ${failed} FAILED${run.exitCode !== 0 ? `, agent exit ${run.exitCode}${run.hung ? ' (hung)' : ''}` : ''}`;
}

if (args.servers !== undefined) {
  const wanted = args.servers === 'true' ? undefined : args.servers.split(',').filter(Boolean);
  const servers = SERVERS.filter((s) => !wanted || wanted.includes(s.runtime));
  console.log(
    `fuzzing client: ${cases.length} cases (${quick ? 'quick selection' : 'all cases'}${only ? `, ids ${only.join(',')}` : ''}), our server on ${servers.map((s) => s.runtime).join(', ')}`,
  );
  for (const s of servers) {
    process.stdout.write(`${s.name.padEnd(12)} `);
    let n = 0;
    const run = await runServerAgent(s, cases, 30 * 60_000, () => {
      if (++n % 25 === 0) process.stdout.write('.');
    });
    console.log(`${line(run)}${run.skipped?.length ? `, ${run.skipped.length} skipped` : ''}`);
    if (run.exitCode !== 0 || run.hung) console.log(run.stderr.trim().split('\n').slice(-5).join('\n'));
    runs.push(run);
  }
} else {
  const wanted = args.clients?.split(',').filter(Boolean);
  const clients = CLIENTS.filter((c) => !wanted || wanted.some((w) => c.name.startsWith(w)));
  const server = await startFuzzingServer({ cases });
  console.log(
    `fuzzing server on ${server.url}: ${cases.length} cases (${quick ? 'quick selection' : 'all cases'}${only ? `, ids ${only.join(',')}` : ''}), ${clients.length} clients`,
  );
  try {
    for (const c of clients) {
      process.stdout.write(`${c.name.padEnd(12)} `);
      let n = 0;
      const run = await runClient(server, c, 30 * 60_000, () => {
        if (++n % 25 === 0) process.stdout.write('.');
      });
      console.log(line(run));
      if (run.exitCode !== 0) console.log(run.stderr.trim().split('\n').slice(-5).join('\n'));
      runs.push(run);
    }
  } finally {
    await server.stop();
  }
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const report: Report = {
  date: new Date().toISOString(),
  machine: `${os.platform()} ${os.arch()}, ${os.cpus().length} × ${cpu}, Node ${process.version}`,
  selection: quick ? 'quick (heavy group-9 cases left out)' : 'full',
  note: [
    args.servers !== undefined
      ? 'Our server (serve(), echoing) driven by the fuzzing client: the cases with the roles swapped.'
      : '',
    only ? `Only cases ${only.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' '),
  runs,
  ...(args.servers !== undefined ? { subject: 'server' as const } : {}),
};
const files = writeReport(out, report, args.servers !== undefined ? 'server-conformance' : 'conformance');
console.log(`\n${summary(report)}`);
console.log(`\nreport: ${files.markdown}\n        ${files.json}`);
