// The client fuzzer's short run, in `npm test`: a hostile server (fuzz-server.ts) against the client on
// Node, Bun and Deno (fuzz-driver.ts), both APIs, plain and TLS, a few seconds each. Fails on any
// finding: a broken invariant, an uncaught error, memory over its bound, a non-zero exit, a hang.
// The seed is random each run and printed; FUZZ_SEED=n repeats one, FUZZ_SECONDS sets the length,
// FUZZ_RUNTIMES=node,bun picks runtimes, FUZZ_REPLAY=<runtime>:<seed>:<api>:<tls|plain>,… replays
// single connections from a finding, FUZZ_VERBOSE=1 prints what was done,
// FUZZ_TRACE=<file> logs the server's steps per connection. The long run is fuzz-long.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  RUNTIMES,
  describeSummary,
  replayFor,
  runFuzzChild,
  startFuzzEnvironment,
  type FuzzEnvironment,
} from './fuzz-harness.ts';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 8);
const picked = process.env.FUZZ_RUNTIMES?.split(',');

describe('client fuzzer: a hostile server against Node, Bun and Deno', () => {
  let env: FuzzEnvironment;
  before(async () => {
    env = await startFuzzEnvironment();
  });
  after(async () => {
    await env?.stop();
    // Should this process not exit, say what keeps it alive (the timer itself does not).
    setTimeout(() => {
      const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
      console.error(
        `fuzz.test.ts still running 10 s after the server stopped: ${handles.map((h) => h.constructor.name).join(', ')}`,
      );
    }, 10_000).unref();
  });

  for (const runtime of RUNTIMES.filter((r) => !picked || picked.includes(r))) {
    test(runtime, { timeout: SECONDS * 1000 + 150_000 }, async (t) => {
      const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const replay = replayFor(runtime);
      if (process.env.FUZZ_REPLAY && !replay?.length) return t.skip('nothing to replay on this runtime');
      const result = await runFuzzChild(env, runtime, { seed, seconds: SECONDS, replay });
      t.diagnostic(describeSummary(result));
      // A check left out for a known defect of the runtime is reported as a todo, not as a pass.
      if (result.known.length > 0) t.todo(result.known.join('; '));
      if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify(result.summary?.counts, null, 1));
      assert.equal(
        result.findings.length,
        0,
        `fuzz seed ${seed} on ${runtime} (FUZZ_SEED=${seed} FUZZ_RUNTIMES=${runtime}):\n\n${result.findings.map((f) => f.text).join('\n\n')}`,
      );
    });
  }
});
