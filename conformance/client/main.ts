// The fuzzing client on its own, as Autobahn's `wstest -m fuzzingclient`: runs the cases with the roles
// swapped against any echo server and writes the report.
//   node --import tsx conformance/client/main.ts --server ws://127.0.0.1:9001 [--name NAME] [--quick] [--cases 6,7] [--out conformance/reports]
// e.g. against our server: node --import tsx conformance/server-agent/node.ts --port 9001
import { join } from 'node:path';
import { parseArgs } from '../agent/agent.ts';
import { summary, writeReport } from '../report.ts';
import { ROOT } from '../runner.ts';
import { selectCases } from '../server/cases/index.ts';
import { runFuzzingClient } from './fuzzing-client.ts';

const args = parseArgs(process.argv.slice(2));
if (!args.server) {
  console.error(
    'usage: conformance/client/main.ts --server ws://HOST:PORT [--name NAME] [--quick] [--cases 6,7] [--out DIR]',
  );
  process.exit(2);
}
const url = new URL(args.server);
const name = args.name ?? url.host;
const cases = selectCases(args.quick === 'true' ? 'quick' : 'full', args.cases?.split(',').filter(Boolean));
console.log(`fuzzing client: ${cases.length} cases against ${url.host}`);
const started = performance.now();
let n = 0;
const run = await runFuzzingClient({
  host: url.hostname.replace(/^\[|\]$/g, ''),
  port: Number(url.port || 80),
  cases,
  onCase: (r) => {
    if (++n % 25 === 0) process.stdout.write('.');
    if (r.verdict === 'FAILED') process.stdout.write(`\n${r.id} FAILED: ${r.reason}\n`);
  },
});
const report = {
  date: new Date().toISOString(),
  machine: `Node ${process.version}`,
  selection: args.quick === 'true' ? 'quick' : 'full',
  note: `The fuzzing client against ${url.host}.`,
  subject: 'server' as const,
  runs: [
    {
      client: name,
      results: run.results,
      missing: run.missing,
      skipped: run.skipped,
      exitCode: 0,
      hung: false,
      ms: Math.round(performance.now() - started),
      stderr: '',
    },
  ],
};
const files = writeReport(args.out ?? join(ROOT, 'conformance/reports'), report, 'server-conformance');
console.log(`\n${summary(report)}\nreport: ${files.markdown}`);
