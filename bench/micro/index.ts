// Runs the micro-benchmarks on Node, Bun or Deno:
//   node --import tsx bench/micro/index.ts [filter]
//   node_modules/.bin/bun bench/micro/index.ts [filter]
//   node_modules/.bin/deno run -A bench/micro/index.ts [filter]
// `filter` is a case-insensitive regular expression over benchmark names, which start with their
// concern: "mask", "parse", "utf8", "deflate"/"inflate", "echo" (e.g. `mask`, `parse 8 KiB`, `as-simd`); "crossover" runs the
// masking crossover sweep, which runs by default too.
import process from 'node:process';
import { run } from 'mitata';
import { runCrossover } from './crossover.bench.ts';
import { notes, runtimeVersion, work } from './data.ts';
import { registerDeflate } from './deflate.bench.ts';
import { registerEcho } from './echo.bench.ts';
import { registerMask } from './mask.bench.ts';
import { registerParse } from './parse.bench.ts';
import { registerUtf8 } from './utf8.bench.ts';

const arg = process.argv.slice(2).find((a) => !a.startsWith('-'));
const filter = arg ? new RegExp(arg, 'i') : /.*/;
// Each concern, with the names its benchmarks start with.
const concerns: [RegExp, () => void | Promise<void>][] = [
  [/^mask/, registerMask],
  [/^parse/, registerParse],
  [/^utf8/, registerUtf8],
  [/^(deflate|inflate)/, registerDeflate],
  [/^echo/, registerEcho],
];

console.log(`wasm-ws micro-benchmarks · ${runtimeVersion()} · ${new Date().toISOString()}`);
let any = false;
for (const [names, register] of concerns) {
  // Register a concern only when the filter can match one of its names (they start with it).
  if (!arg || names.test(arg.toLowerCase()) || !/^(mask|parse|utf8|crossover|deflate|inflate|echo)$/i.test(arg)) {
    await register();
    any = true;
  }
}

if (any) {
  const { benchmarks } = await run({ filter, colors: Boolean(process.stdout.isTTY) });
  // Throughputs from the mean time per iteration.
  const lines: string[] = [];
  for (const trial of benchmarks) {
    for (const r of trial.runs) {
      const w = work.get(r.name);
      if (!r.stats || !w) continue;
      const s = r.stats.avg / 1e9;
      const parts = [`${r.name.padEnd(62)} ${(r.stats.avg / 1e3).toFixed(3).padStart(12)} µs`];
      if (w.bytes) parts.push(`${(w.bytes / s / 1e9).toFixed(2).padStart(8)} GB/s`);
      if (w.frames) parts.push(`${(w.frames / s / 1e6).toFixed(3).padStart(8)} M frames/s`);
      lines.push(parts.join('  '));
    }
  }
  if (lines.length) console.log(`\nthroughput (mean per iteration; GB = 1e9 bytes)\n${lines.join('\n')}`);
}
for (const n of notes) console.log(`note: ${n}`);
if (!arg || filter.test('crossover')) await runCrossover();
