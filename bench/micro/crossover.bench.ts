// Measures the masking crossover: the smallest size from which a call into WASM `mask` (call
// included) is at least as fast as the JS loop, for every codec build, and prints it with the line
// to put into crossover.ts. Both work in place on the same bytes in WASM memory.
import { do_not_optimize, measure } from 'mitata';
import { MASK_JS_BELOW } from './crossover.ts';
import { KEY, maskJs, randomBytes, rawCodec, runtime, variants } from './data.ts';

const SIZES = [4, 8, 12, 16, 20, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 256, 384, 512, 1024];
const OPTS = { min_cpu_time: 150e6 }; // ns per measurement: keep the sweep short

export async function runCrossover(): Promise<void> {
  console.log(`\ncrossover: JS loop vs one call into WASM mask (p50 ns per call, in place, ${runtime})`);
  const found: Record<string, number> = {};
  for (const v of variants()) {
    const { wasm, ptr, bytes } = rawCodec(v, 4096);
    const mem = bytes();
    mem.set(randomBytes(4096), ptr);
    const rows: string[] = [];
    let crossover = -1;
    for (const size of SIZES) {
      const js = (await measure(() => maskJs(mem, ptr, size, KEY), OPTS)).p50;
      const w = (await measure(() => wasm.mask(ptr, size, KEY, 0), OPTS)).p50;
      do_not_optimize(mem[ptr]);
      if (w <= js) {
        if (crossover < 0) crossover = size;
      } else crossover = -1; // must hold for every larger size too
      rows.push(
        `${String(size).padStart(5)} B  js ${js.toFixed(1).padStart(7)}  wasm ${w.toFixed(1).padStart(7)}  ${w <= js ? 'wasm' : 'js'}`,
      );
    }
    console.log(`  ${v.name}:\n    ${rows.join('\n    ')}`);
    found[v.name] = crossover < 0 ? Infinity : crossover;
    console.log(`  ${v.name}: JS below ${found[v.name]} bytes, WASM from there up`);
  }
  const dflt = found['as-simd'] ?? found['as-scalar'];
  console.log(
    `crossover (${runtime}, as default build): MASK_JS_BELOW.${runtime} = ${dflt}  (table has ${MASK_JS_BELOW[runtime]})`,
  );
}
