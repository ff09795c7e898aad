// The fuzzing server on its own, as Autobahn's `wstest -m fuzzingserver`: agents connect to it and the
// report is written each time one asks /updateReports.
//   node --import tsx conformance/server/main.ts [--port 9001] [--quick] [--cases 6,7] [--out conformance/reports]
// then, e.g.: node --import tsx conformance/agent/node.ts --server ws://127.0.0.1:9001 --agent mine --client ws
import { join } from 'node:path';
import { parseArgs } from '../agent/agent.ts';
import { summary, writeReport } from '../report.ts';
import { ROOT } from '../runner.ts';
import { selectCases } from './cases/index.ts';
import { startFuzzingServer } from './server.ts';
import type { CaseResult } from './case.ts';

const args = parseArgs(process.argv.slice(2));
const out = args.out ?? join(ROOT, 'conformance/reports');
const cases = selectCases(args.quick === 'true' ? 'quick' : 'full', args.cases?.split(',').filter(Boolean));
const done = new Map<string, CaseResult[]>();
const server = await startFuzzingServer({
  cases,
  port: Number(args.port ?? 9001),
  onReport(agent, results) {
    done.set(agent, results);
    const have = new Set<string>();
    const report = {
      date: new Date().toISOString(),
      machine: `Node ${process.version}`,
      selection: args.quick === 'true' ? 'quick' : 'full',
      note: 'Agents run against a standalone server: run times are the sums of case times.',
      runs: [...done].map(([client, r]) => {
        have.clear();
        for (const c of r) have.add(c.id);
        return {
          client,
          results: r,
          missing: cases.filter((c) => !have.has(c.id)).map((c) => c.id),
          exitCode: 0,
          hung: false,
          ms: r.reduce((s, c) => s + c.ms, 0),
          stderr: '',
        };
      }),
    };
    const files = writeReport(out, report);
    console.log(`\n${summary(report)}\nreport: ${files.markdown}`);
  },
});
console.log(`fuzzing server on ${server.url}: ${cases.length} cases; Ctrl-C stops it`);
process.once('SIGINT', () => void server.stop().then(() => process.exit(0)));
