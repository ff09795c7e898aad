// AssemblyScript vs C backend on the same data, WASM work only (no JS per frame beyond the calls):
//   node --import tsx csrc/compare.ts [rounds]
// Each case runs for ~100 ms per round, rounds alternate the order of the builds; the median of the
// rounds is printed, with the spread (min-max). For the full picture (bufferutil, ws, TextDecoder,
// Bun, Deno) see bench/micro/.
import { availableBackends, instantiateCodec, simdSupported, type Backend, type CodecExports } from '../src/codec/index.ts';

const rounds = Number(process.argv[2] ?? 7);
const builds: { name: string; backend: Backend; simd: boolean }[] = availableBackends().flatMap((backend) =>
  (simdSupported ? [true, false] : [false]).map((simd) => ({ name: `${backend}-${simd ? 'simd' : 'scalar'}`, backend, simd })),
);

function random(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
const ascii = (n: number) => random(n, 3).map((b) => 0x20 + (b % 95));
const mixed = (n: number) => {
  const text = 'plain ascii, then é ß € ह 😀 \u{10ffff} ';
  return new TextEncoder().encode(text.repeat(Math.ceil(n / text.length))).subarray(0, n);
};
/** `count` unmasked binary frames of `size` bytes, as a server sends them. */
function frames(size: number, total: number): Uint8Array {
  const hdr = size < 126 ? 2 : size < 65536 ? 4 : 10;
  const count = Math.max(1, Math.floor(total / (hdr + size)));
  const out = new Uint8Array(count * (hdr + size));
  for (let i = 0; i < count; i++) {
    const o = i * (hdr + size);
    out[o] = 0x82;
    if (hdr === 2) out[o + 1] = size;
    else if (hdr === 4) (out[o + 1] = 126), (out[o + 2] = size >> 8), (out[o + 3] = size & 0xff);
    out.set(random(size, i + 1).subarray(0, size), o + hdr);
  }
  return out;
}

interface Case {
  name: string;
  bytes: number;
  setup(w: CodecExports): () => void;
}

const cases: Case[] = [];
for (const n of [256, 8192, 1 << 20]) {
  cases.push({
    name: `mask ${n} B`,
    bytes: n,
    setup(w) {
      const p = w.tx_reserve(n);
      new Uint8Array(w.memory.buffer).set(random(n, 1), p);
      return () => w.mask(p, n, 0x12345678, 0);
    },
  });
}
for (const [label, make] of [['ASCII', ascii], ['mixed', mixed]] as const) {
  for (const n of [1024, 65536]) {
    cases.push({
      name: `utf8 ${label} ${n} B`,
      bytes: n,
      setup(w) {
        const p = w.tx_reserve(n);
        new Uint8Array(w.memory.buffer).set(make(n), p);
        if (w.utf8_validate(p, n) !== -1) throw new Error('invalid test data');
        return () => w.utf8_validate(p, n);
      },
    });
  }
}
for (const size of [16, 256, 8192]) {
  const stream = frames(size, 1 << 20);
  cases.push({
    name: `parse ${size} B frames`,
    bytes: stream.length,
    setup(w) {
      w.init(0, 64 << 20, 0);
      return () => {
        // The stream in 64 KiB socket reads, next() until NEED_MORE: the codec's work per frame.
        for (let o = 0; o < stream.length; o += 65536) {
          const chunk = stream.subarray(o, o + 65536);
          const p = w.rx_reserve(chunk.length);
          new Uint8Array(w.memory.buffer, p, chunk.length).set(chunk);
          w.rx_commit(chunk.length);
          let ev: number;
          while ((ev = w.next()) !== 0) if (ev !== 1) throw new Error(`event ${ev}`);
        }
      };
    },
  });
}

function measure(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  let iters = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) fn();
    const ms = performance.now() - t0;
    if (ms > 100) return ms / iters;
    iters *= ms < 10 ? 10 : 2;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${process.version}, ${rounds} rounds; GB/s = 1e9 bytes/s, median (min-max)`);
for (const c of cases) {
  const runs = builds.map((b) => {
    const w = instantiateCodec(b.backend, b.simd);
    w.init(0, 64 << 20, 0);
    return { b, fn: c.setup(w), gbs: [] as number[] };
  });
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...runs].reverse() : runs;
    for (const r of order) r.gbs.push(c.bytes / (measure(r.fn) / 1e3) / 1e9);
  }
  const cells = runs.map((r) => `${r.b.name} ${median(r.gbs).toFixed(2)} (${Math.min(...r.gbs).toFixed(1)}-${Math.max(...r.gbs).toFixed(1)})`);
  console.log(`${c.name.padEnd(22)} ${cells.join('  ')}`);
}
