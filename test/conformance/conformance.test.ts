// The conformance suite (conformance/) on our client, on Node, Bun and Deno: one fuzzing server in this
// process, one echo-agent process per runtime, one subtest per case per runtime. A case fails unless
// its verdict is OK or INFORMATIONAL (OK only, for the permessage-deflate groups 12 and 13); an agent that crashes, hangs or leaves cases unrun fails too.
// Runs every case, group 9 at full size (16 MiB messages, 4 MiB in fragments from 64 B, 1 MiB in chops
// from 64 B, 1000 round trips): about 5-10 s per runtime on a 2-core machine. CONFORMANCE_QUICK=1 runs
// the quick selection instead (no heavy group-9 cases, see conformance/server/cases/index.ts);
// CONFORMANCE_RUNTIMES=node,bun and CONFORMANCE_CASES=6,7.2 narrow it. `npm run conformance` runs
// the same cases on every client (ours, the native WebSockets, ws) and writes the report.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLIENTS, runClient } from '../../conformance/runner.ts';
import { selectCases } from '../../conformance/server/cases/index.ts';
import { startFuzzingServer, type FuzzingServer } from '../../conformance/server/server.ts';

/** An agent still running after this long has hung: killed, and its runtime fails. */
const AGENT_TIMEOUT = 150_000;

const full = process.env.CONFORMANCE_QUICK !== '1';
const only = process.env.CONFORMANCE_CASES?.split(',').filter(Boolean);
const runtimes = process.env.CONFORMANCE_RUNTIMES?.split(',') ?? ['node', 'bun', 'deno'];
const ours = CLIENTS.filter((c) => c.impl === 'ours' && runtimes.includes(c.runtime));

describe(`conformance (${full ? 'all cases' : 'quick selection'}): our client on ${ours.map((c) => c.runtime).join(', ')}`, () => {
  let server: FuzzingServer | undefined;

  before(async () => {
    server = await startFuzzingServer({ cases: selectCases(full ? 'full' : 'quick', only) });
  });
  after(async () => {
    await server?.stop();
  });

  for (const client of ours) {
    test(client.runtime, { timeout: AGENT_TIMEOUT + 15_000 }, async (t) => {
      assert.ok(server, 'the fuzzing server did not start');
      const run = await runClient(server, client, AGENT_TIMEOUT);
      for (const r of run.results) {
        await t.test(`${r.id} ${r.description}`, () => {
          if (r.verdict !== 'OK' && r.verdict !== 'INFORMATIONAL')
            assert.fail(`${r.verdict}: ${r.reason} (${r.ms} ms)`);
          // Our client offers permessage-deflate with client_max_window_bits: every deflate case runs.
          if (r.group >= 12 && r.verdict !== 'OK') assert.fail(`${r.verdict}: ${r.reason}`);
        });
      }
      const tail = `\nagent stderr: ${run.stderr.trim()}`;
      assert.equal(run.hung, false, `the ${client.name} agent did not finish within ${AGENT_TIMEOUT} ms${tail}`);
      assert.equal(run.exitCode, 0, `the ${client.name} agent exited with ${run.exitCode}${tail}`);
      assert.deepEqual(run.missing, [], `cases not run by ${client.name}${tail}`);
    });
  }
});
