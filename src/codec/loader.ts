// Compiles the codec from the bytes built into the package: SIMD where the runtime validates it,
// the scalar build elsewhere. Modules are compiled once and instantiated per codec.
import * as wasm from '../generated/wasm.ts';
import { ABI_VERSION, type CodecExports } from './abi.ts';

export type Backend = 'as' | 'c';

// The smallest module that uses a v128 instruction: (func (result v128) v128.const 0).
const simdProbe = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 11,
]);

if (typeof WebAssembly !== 'object') {
  throw new Error('wasm-ws needs WebAssembly, which this runtime does not provide (node --jitless?)');
}

export const simdSupported: boolean = WebAssembly.validate(simdProbe);

/** A compiled codec (a WebAssembly.Module; typed opaquely, as @types/node declares no WebAssembly). */
export type CodecModule = object;

const compiled = new Map<string, WebAssembly.Module>();

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The codec variants built into this package, for tests and benchmarks. */
export function availableBackends(): Backend[] {
  return wasm.cSimd || wasm.cScalar ? ['as', 'c'] : ['as'];
}

export function codecModule(backend: Backend = 'as', simd: boolean = simdSupported): CodecModule {
  const key = `${backend}-${simd ? 'simd' : 'scalar'}`;
  let module = compiled.get(key);
  if (module) return module;
  const source = backend === 'as' ? (simd ? wasm.asSimd : wasm.asScalar) : simd ? wasm.cSimd : wasm.cScalar;
  if (!source) throw new Error(`wasm-ws: the ${key} codec was not built (run npm run build:wasm)`);
  if (simd && !simdSupported) throw new Error('wasm-ws: this runtime does not support WebAssembly SIMD');
  module = new WebAssembly.Module(decodeBase64(source) as BufferSource);
  compiled.set(key, module);
  return module;
}

export function instantiateCodec(backend: Backend = 'as', simd: boolean = simdSupported): CodecExports {
  const instance = new WebAssembly.Instance(codecModule(backend, simd) as WebAssembly.Module, {});
  const exports = instance.exports as unknown as CodecExports;
  if (exports.abi_version() !== ABI_VERSION) {
    throw new Error(`wasm-ws: codec ABI ${exports.abi_version()}, expected ${ABI_VERSION}`);
  }
  return exports;
}
