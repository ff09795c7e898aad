// The conformance suite with the roles swapped, on our server, on Node, Bun and Deno: one echo-server
// agent process per runtime (conformance/server-agent/, built on `serve`), driven from this process by
// the fuzzing client (conformance/client/) with the same cases and judges as the client suite, as
// Autobahn's fuzzingclient drives servers; one subtest per case per runtime. The standard is the client
// suite's (test/conformance/conformance.test.ts): a case fails unless its verdict is OK or INFORMATIONAL
// (OK only, for the permessage-deflate groups 12 and 13); an agent that crashes, hangs, does not exit
// when its stdin closes, or leaves cases unrun fails too. Cases that do not apply to a server are
// reported as skipped, with why. Known failures of our server are `todo` (KNOWN below), with the reason,
// until they are fixed.
// Runs the quick selection (no heavy group-9 cases, see conformance/server/cases/index.ts): about
// 30-60 s per runtime on a 2-core machine. SERVER_CONFORMANCE_FULL=1 runs every case;
// SERVER_CONFORMANCE_RUNTIMES=node,bun and CONFORMANCE_CASES=6,7.2 narrow it. `npm run conformance --
// --servers` runs the same and writes the report.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runServerAgent, SERVERS } from '../../conformance/runner.ts';
import { selectCases } from '../../conformance/server/cases/index.ts';

/** An agent still running cases after this long has hung: the rest are not run, and its runtime fails. */
const AGENT_TIMEOUT = 240_000;

const full = process.env.SERVER_CONFORMANCE_FULL === '1';
const only = process.env.CONFORMANCE_CASES?.split(',').filter(Boolean);
const runtimes = process.env.SERVER_CONFORMANCE_RUNTIMES?.split(',') ?? ['node', 'bun', 'deno'];
const servers = SERVERS.filter((s) => runtimes.includes(s.runtime));

/**
 * Cases our server is known to fail: id -> the reason (and the runtimes, when not all). Each is a
 * `todo` subtest: reported, not failing the run. Remove an entry once the server passes the case.
 */
const KNOWN: Record<string, { reason: string; runtimes?: string[] }> = {};

function knownFailure(id: string, runtime: string): string | undefined {
  const known = KNOWN[id];
  if (!known || (known.runtimes && !known.runtimes.includes(runtime))) return undefined;
  return known.reason;
}

describe(`server conformance (${full ? 'all cases' : 'quick selection'}): our server on ${servers.map((s) => s.runtime).join(', ')}`, () => {
  const cases = selectCases(full ? 'full' : 'quick', only);

  for (const server of servers) {
    test(server.runtime, { timeout: AGENT_TIMEOUT + 30_000 }, async (t) => {
      const run = await runServerAgent(server, cases, AGENT_TIMEOUT);
      for (const r of run.results) {
        const todo = knownFailure(r.id, server.runtime);
        await t.test(`${r.id} ${r.description}`, todo ? { todo } : {}, () => {
          if (r.verdict !== 'OK' && r.verdict !== 'INFORMATIONAL')
            assert.fail(`${r.verdict}: ${r.reason} (${r.ms} ms)`);
          // The fuzzing client offers permessage-deflate in every case of groups 12 and 13: each must be agreed and echoed.
          if (r.group >= 12 && r.verdict !== 'OK') assert.fail(`${r.verdict}: ${r.reason}`);
        });
      }
      for (const s of run.skipped ?? []) await t.test(`${s.id} ${s.description}`, { skip: s.reason }, () => {});
      const tail = `\nagent stderr: ${run.stderr.trim()}`;
      assert.equal(run.hung, false, `the ${server.name} server agent hung (cases not run, or it did not exit)${tail}`);
      assert.equal(run.exitCode, 0, `the ${server.name} server agent exited with ${run.exitCode}${tail}`);
      assert.deepEqual(run.missing, [], `cases not run against ${server.name}${tail}`);
    });
  }
});
