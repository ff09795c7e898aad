// Below how many bytes a plain JS XOR loop masks faster than a call into the WASM `mask` export
// (call cost included), per runtime, for the default build (AssemblyScript, SIMD). Measured by
// crossover.bench.ts (`node --import tsx bench/micro/index.ts crossover`) on a 2-core shared VM;
// the client masks payloads shorter than this in JS and calls into WASM from this size up.
// Side-effect free: safe to import.

export const MASK_JS_BELOW = {
  node: 0,
  bun: 0,
  deno: 0,
} as const satisfies Record<'node' | 'bun' | 'deno', number>;

/** For a runtime this table does not know: ws's own switch to native masking. */
export const MASK_JS_BELOW_DEFAULT = 48;
