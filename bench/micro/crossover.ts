// Below how many bytes a plain JS XOR loop masks faster than a call into the WASM `mask` export
// (call cost included), per runtime, for the default build (AssemblyScript, SIMD). Measured by
// crossover.bench.ts (`node --import tsx bench/micro/index.ts crossover`) on a 2-core shared VM;
// the client masks payloads shorter than this in JS and calls into WASM from this size up.
// Side-effect free: safe to import.

// Measured 2026-11-26 (Node 20.20.2, Bun 1.4.5, Deno 2.9.6; assembly/mask.ts as of that day, whose
// byte-at-a-time tail makes sizes that are not a multiple of 16 cost up to 2x; see RESULTS.md).
export const MASK_JS_BELOW = {
  node: 12,
  bun: 32,
  deno: 32,
} as const satisfies Record<'node' | 'bun' | 'deno', number>;

/** For a runtime this table does not know: ws's own switch to native masking. */
export const MASK_JS_BELOW_DEFAULT = 48;
