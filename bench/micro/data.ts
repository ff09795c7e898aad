// Shared inputs and comparators for the micro-benchmarks: the same bytes go to every contender.
// Runs unchanged on Node, Bun and Deno (node:* modules are fine here; bench/ is not src/).
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import {
  availableBackends,
  instantiateCodec,
  simdSupported,
  type Backend,
  type CodecExports,
} from '../../src/codec/index.ts';

export { Buffer };
export { jsonText } from '../payload.ts';

// ---- the runtime ----

declare const Bun: { version: string } | undefined;
declare const Deno: { version: { deno: string; v8: string } } | undefined;

export const runtime: 'node' | 'bun' | 'deno' =
  typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';

export function runtimeVersion(): string {
  if (typeof Deno !== 'undefined') return `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`;
  if (typeof Bun !== 'undefined') return `Bun ${Bun.version} (JavaScriptCore)`;
  return `Node ${process.version} (V8 ${process.versions.v8})`;
}

// ---- sizes and deterministic bytes ----

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const MASK_SIZES = [16, 64, 256, KiB, 8 * KiB, 64 * KiB, MiB];
export const UTF8_SIZES = [64, KiB, 64 * KiB];
export const FRAME_SIZES = [256, 8 * KiB];
/** What a socket read delivers at once. */
export const CHUNK = 64 * KiB;
/** Bytes of frames in one parse iteration. */
export const STREAM_BYTES = 2 * MiB;

export function fmtSize(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} B`;
}

/** xorshift32: the same "random" bytes on every runtime and every run. */
export function randomBytes(n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** The masking key as the codec takes it: a little-endian i32, key byte 0 in the low byte. */
export const KEY = 0x3d21fa37 | 0;
/** The same key as the 4 bytes `ws` and `bufferutil` take. */
export const KEY_BYTES = Buffer.from([KEY & 0xff, (KEY >>> 8) & 0xff, (KEY >>> 16) & 0xff, (KEY >>> 24) & 0xff]);

// ---- UTF-8 text ----

/** `n` bytes of printable ASCII. */
export function asciiText(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const words = new TextEncoder().encode('The quick brown fox jumps over the lazy dog, 0123456789. ');
  for (let i = 0; i < n; i++) out[i] = words[i % words.length];
  return out;
}

/** `n` bytes of valid UTF-8 cycling through 1-, 2-, 3- and 4-byte sequences; ASCII pads the end. */
export function mixedText(n: number): Uint8Array {
  const enc = new TextEncoder();
  const pieces = ['a', 'é', 'ж', 'ß', '€', '中', 'ह', '😀', '𝄞', ' ', 'ü', '文', '🚀', 'z'].map((s) => enc.encode(s));
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; ; i++) {
    const p = pieces[i % pieces.length];
    if (at + p.length > n) break;
    out.set(p, at);
    at += p.length;
  }
  out.fill(0x2e, at); // '.'
  return out;
}

// ---- a stream of server frames (client role: unmasked) ----

export interface FrameStream {
  payloadSize: number;
  frames: number;
  bytes: number;
  /** The stream cut into socket-sized chunks (Buffers, so that ws takes them as they are). */
  chunks: Buffer[];
}

export function frameStream(payloadSize: number, totalBytes = STREAM_BYTES): FrameStream {
  const header = payloadSize < 126 ? 2 : payloadSize < 65536 ? 4 : 10;
  const frameLen = header + payloadSize;
  const frames = Math.max(1, Math.floor(totalBytes / frameLen));
  const buf = Buffer.alloc(frames * frameLen);
  const payload = randomBytes(payloadSize, 7);
  for (let f = 0, at = 0; f < frames; f++, at += frameLen) {
    buf[at] = 0x82; // FIN, binary
    if (header === 2) buf[at + 1] = payloadSize;
    else if (header === 4) {
      buf[at + 1] = 126;
      buf.writeUInt16BE(payloadSize, at + 2);
    } else {
      buf[at + 1] = 127;
      buf.writeUInt32BE(0, at + 2);
      buf.writeUInt32BE(payloadSize, at + 6);
    }
    buf.set(payload, at + header);
  }
  const chunks: Buffer[] = [];
  for (let at = 0; at < buf.length; at += CHUNK) chunks.push(buf.subarray(at, Math.min(at + CHUNK, buf.length)));
  return { payloadSize, frames, bytes: buf.length, chunks };
}

// ---- our codec, raw ----

export interface Variant {
  /** e.g. "as-simd", "c-scalar" */
  name: string;
  backend: Backend;
  simd: boolean;
}

/** Every codec build this runtime can run: each backend from availableBackends(), SIMD and scalar. */
export function variants(): Variant[] {
  const out: Variant[] = [];
  for (const backend of availableBackends()) {
    for (const simd of simdSupported ? [true, false] : [false]) {
      try {
        instantiateCodec(backend, simd);
        out.push({ name: `${backend}-${simd ? 'simd' : 'scalar'}`, backend, simd });
      } catch (e) {
        console.log(`# ${backend}-${simd ? 'simd' : 'scalar'}: not available (${(e as Error).message})`);
      }
    }
  }
  return out;
}

/** A raw instance with `size` bytes reserved in its send region (where the client masks frames). */
export function rawCodec(v: Variant, size: number): { wasm: CodecExports; ptr: number; bytes: () => Uint8Array } {
  const wasm = instantiateCodec(v.backend, v.simd);
  wasm.init();
  const ptr = wasm.tx_reserve(size);
  if (ptr === 0) throw new Error('tx_reserve failed');
  return { wasm, ptr, bytes: () => new Uint8Array(wasm.memory.buffer) };
}

// ---- the comparators ----

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(here);
const nodeModules = fileURLToPath(new URL('../../node_modules/', import.meta.url));

type MaskFn = (source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number) => void;

/**
 * bufferutil's native mask, or why it is missing. Loaded by path: on Bun a bare specifier may resolve
 * to a built-in shim. Checked against the JS loop before use.
 */
export function loadBufferutil(): { mask: MaskFn; version: string } | { error: string } {
  try {
    const bu = require(`${nodeModules}bufferutil/index.js`) as { mask: MaskFn };
    const version = (require(`${nodeModules}bufferutil/package.json`) as { version: string }).version;
    const a = randomBytes(100);
    const b = Buffer.from(a);
    bu.mask(b, KEY_BYTES, b, 0, b.length);
    maskJs(a, 0, a.length, KEY);
    if (!a.every((x, i) => x === b[i])) return { error: 'bufferutil loaded but masks wrongly' };
    if (!String(bu.mask).includes('[native code]'))
      return { error: 'bufferutil loaded its JS fallback, not the native addon' };
    return { mask: bu.mask, version };
  } catch (e) {
    return { error: `bufferutil does not load here: ${(e as Error).message.split('\n')[0]}` };
  }
}

let wsBufferUtil: { mask: MaskFn; name: string } | undefined;

/**
 * ws's pure-JS `_mask`. buffer-util.js does not export `_mask` by that name: it exports it as `mask`
 * unless it finds `http.websocketMask` or bufferutil, in which case `mask` dispatches to native code
 * from 48 bytes. WS_NO_BUFFER_UTIL, set only while the module is first loaded, keeps it the JS one;
 * the function's name proves which one we got.
 */
export function loadWsJsMask(): { mask: MaskFn; version: string } | { error: string } {
  if (!wsBufferUtil) {
    const saved = process.env.WS_NO_BUFFER_UTIL;
    process.env.WS_NO_BUFFER_UTIL = '1';
    try {
      const m = require(`${nodeModules}ws/lib/buffer-util.js`) as { mask: MaskFn };
      wsBufferUtil = { mask: m.mask, name: m.mask.name };
    } finally {
      if (saved === undefined) delete process.env.WS_NO_BUFFER_UTIL;
      else process.env.WS_NO_BUFFER_UTIL = saved;
    }
  }
  if (wsBufferUtil.name !== '_mask')
    return { error: `ws's buffer-util exports ${wsBufferUtil.name}, not the JS _mask` };
  return { mask: wsBufferUtil.mask, version: wsVersion() };
}

export function wsVersion(): string {
  return (require(`${nodeModules}ws/package.json`) as { version: string }).version;
}

export interface WsReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  write(chunk: Buffer): boolean;
}

/** ws's Receiver, by file path (Bun maps the bare specifier `ws` to its own client). */
export function wsReceiver(): new (options: Record<string, unknown>) => WsReceiver {
  loadWsJsMask(); // buffer-util first, so that the receiver shares the JS one
  return require(`${nodeModules}ws/lib/receiver.js`);
}

export interface WsSender {
  send(data: Buffer, options: { binary: boolean; fin: boolean; mask: boolean; compress: boolean }): void;
}

type WsSenderClass = new (socket: { write(data: Uint8Array): boolean; cork(): void; uncork(): void }) => WsSender;

/** ws's Sender over a socket-like object (write, cork, uncork), by file path; with ws's JS mask, as wsReceiver(). */
export function wsSender(): WsSenderClass {
  loadWsJsMask();
  return require(`${nodeModules}ws/lib/sender.js`);
}

/**
 * ws's Sender as users install it with bufferutil: its sender.js and buffer-util.js loaded afresh
 * (the cached ones have the JS mask), then the cache put back. An error when bufferutil is not native here.
 */
export function wsSenderWithBufferutil(): WsSenderClass | { error: string } {
  const loaded = loadBufferutil();
  if ('error' in loaded) return loaded;
  loadWsJsMask();
  const paths = ['ws/lib/sender.js', 'ws/lib/buffer-util.js'].map((p) => require.resolve(`${nodeModules}${p}`));
  const saved = paths.map((p) => require.cache[p]);
  for (const p of paths) delete require.cache[p];
  try {
    const bufferUtil = require(paths[1]) as { mask: MaskFn };
    if (bufferUtil.mask.name === '_mask') return { error: "ws's buffer-util did not take bufferutil" };
    return require(paths[0]);
  } finally {
    paths.forEach((p, i) => {
      if (saved[i]) require.cache[p] = saved[i];
      else delete require.cache[p];
    });
  }
}

/**
 * The plain JS XOR loop a client would use below the crossover: in place, key as a little-endian i32
 * (key byte 0 in the low byte), starting at key byte 0.
 */
export function maskJs(buf: Uint8Array, offset: number, length: number, key: number): void {
  const k0 = key & 0xff;
  const k1 = (key >>> 8) & 0xff;
  const k2 = (key >>> 16) & 0xff;
  const k3 = key >>> 24;
  const end = offset + length;
  const end4 = offset + (length & ~3);
  let i = offset;
  for (; i < end4; i += 4) {
    buf[i] ^= k0;
    buf[i + 1] ^= k1;
    buf[i + 2] ^= k2;
    buf[i + 3] ^= k3;
  }
  if (i < end) {
    buf[i] ^= k0;
    if (++i < end) {
      buf[i] ^= k1;
      if (++i < end) buf[i] ^= k2;
    }
  }
}

/** Asserts that two byte arrays are equal (setup checks, not timed). */
export function assertSame(a: Uint8Array, b: Uint8Array, what: string): void {
  if (a.length !== b.length || !a.every((x, i) => x === b[i])) throw new Error(`bench/micro: ${what} disagree`);
}

// ---- what each benchmark moves per iteration, for the throughput table index.ts prints ----

export const work = new Map<string, { bytes?: number; frames?: number }>();

/** Notes (missing comparators and the like) printed with the results. */
export const notes: string[] = [];
export function note(s: string): void {
  if (!notes.includes(s)) notes.push(s);
}
