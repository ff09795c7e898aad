// The long fuzz run (npm run fuzz): at least 1,000,000 streams over every codec variant.
// FUZZ_STREAMS and FUZZ_SEED override the count and the seed; a failure prints a reproducible case.
import { runFuzz, FuzzFailure } from '../codec/fuzz-core.ts';
import { variants } from '../codec/helpers.ts';

const streams = Number(process.env.FUZZ_STREAMS ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const started = performance.now();
console.log(`fuzz: ${streams} streams, seed ${seed}, variants ${variants.map((v) => v.name).join(', ')}`);
try {
  const stats = runFuzz({
    seed,
    streams,
    variants,
    every: 50_000,
    progress: (done, s) =>
      console.log(
        `fuzz: ${done} streams, ${s.clean} clean, ${s.events} events, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      ),
  });
  console.log(`fuzz: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify(stats, null, 2));
} catch (e) {
  if (e instanceof FuzzFailure) {
    console.error(`fuzz: FAILED (reproduce with FUZZ_SEED=${seed})`);
    console.error(e.message);
  } else console.error(e);
  process.exitCode = 1;
}
