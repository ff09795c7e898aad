// The client fuzzer's long run: `node --import tsx test/hostile/fuzz-long.ts`. Round after round, a
// child per runtime with a fresh seed, until FUZZ_MINUTES (default 10) have passed; FUZZ_ROUND_SECONDS
// (default 60) is one child's length, FUZZ_CONCURRENCY its open connections, FUZZ_RUNTIMES picks
// runtimes, FUZZ_SEED the first seed. Prints every finding once (by kind) with its seeds, a tally,
// and exits 1 if anything was found.
import { RUNTIMES, describeSummary, runFuzzChild, startFuzzEnvironment, type RunResult } from './fuzz-harness.ts';

const minutes = Number(process.env.FUZZ_MINUTES ?? 10);
const roundSeconds = Number(process.env.FUZZ_ROUND_SECONDS ?? 60);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const runtimes = RUNTIMES.filter((r) => !process.env.FUZZ_RUNTIMES || process.env.FUZZ_RUNTIMES.split(',').includes(r));
let seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

const env = await startFuzzEnvironment();
const stopAt = performance.now() + minutes * 60_000;
const seen = new Map<string, { count: number; first: string; seeds: number[] }>();
let connections = 0;
let rounds = 0;
let peak = '';
try {
  while (performance.now() < stopAt) {
    for (const runtime of runtimes) {
      const result: RunResult = await runFuzzChild(env, runtime, { seed, seconds: roundSeconds, concurrency });
      rounds++;
      connections += result.summary?.connections ?? 0;
      console.log(`fuzz-long: round ${rounds}: ${describeSummary(result)}`);
      if (result.summary) peak += `${runtime} ${result.summary.rssPeakMiB - result.summary.rssBaselineMiB} MiB; `;
      for (const { kind, text } of result.findings) {
        const entry = seen.get(kind) ?? { count: 0, first: text, seeds: [] };
        entry.count++;
        if (!entry.seeds.includes(seed)) entry.seeds.push(seed);
        seen.set(kind, entry);
      }
      seed = (seed + 0x9e3779b9) >>> 0;
      if (performance.now() >= stopAt) break;
    }
  }
} finally {
  await env.stop();
}
console.log(
  `\nfuzz-long: ${rounds} rounds, ${connections} connections, ${minutes} min on ${runtimes.join(', ')}; RSS growth per round: ${peak}`,
);
if (seen.size === 0) console.log('fuzz-long: no findings');
else {
  console.log(`fuzz-long: ${seen.size} distinct findings:\n`);
  for (const [kind, e] of seen)
    console.log(
      `${kind}\n  ${e.count}× (run seeds ${e.seeds.slice(0, 5).join(', ')})\n  first: ${e.first.split('\n').join('\n  ')}\n`,
    );
  process.exitCode = 1;
}
// Each child's own exit was judged above; this parent has nothing left to do (it once lingered, spinning,
// after a 12-minute run, in a way not reproduced since): do not let that hold up the caller.
process.exit();
