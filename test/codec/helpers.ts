// Shared test helpers for the codec: the variants every test runs on, a reference frame builder
// (able to build malformed frames), chunkers, and a driver that feeds chunks into a Codec and
// collects its events with payloads copied out (the codec's views only live until the next rxReserve).
import { Codec, Event, Role, availableBackends, simdSupported, type Backend } from '../../src/codec/index.ts';

export { Codec, Event, Role };

// ---- variants ----

export interface Variant {
  name: string;
  backend: Backend;
  simd: boolean;
}

/** Every backend built into the package, each as its SIMD and its scalar build. */
export const variants: Variant[] = availableBackends().flatMap((backend) =>
  (simdSupported ? [true, false] : [false]).map((simd) => ({
    name: `${backend}-${simd ? 'simd' : 'scalar'}`,
    backend,
    simd,
  })),
);

export const roles = [
  { name: 'client', role: Role.Client },
  { name: 'server', role: Role.Server },
] as const;

export interface CodecSetup {
  role?: Role;
  maxMessage?: number;
  allowedRsv?: number;
}

/** A codec (a context in the variant's shared module); reset() starts it over with a fresh context. */
export function makeCodec(variant: Variant, setup: CodecSetup = {}): Codec {
  return new Codec({ ...setup, backend: variant.backend, simd: variant.simd });
}

// ---- bytes ----

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
export const hex = (u: Uint8Array): string => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join(' ');

/** Deterministic pseudo-random bytes. */
export function pattern(len: number, seed = 1): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The key as the codec takes it: a little-endian i32 whose low byte is the first key byte on the wire. */
export const keyToInt = (k: Uint8Array): number => k[0] | (k[1] << 8) | (k[2] << 16) | (k[3] << 24) | 0;

export function applyMask(data: Uint8Array, key: Uint8Array, keyOffset = 0): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[(i + keyOffset) & 3];
  return out;
}

// ---- a reference frame builder, independent of the codec ----

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array;
  fin?: boolean; // default true
  rsv?: number; // 0x40 | 0x20 | 0x10
  key?: Uint8Array | null; // mask key; null/undefined: unmasked
  /** Force a length encoding (7, 16 or 64 bits) even where a shorter one would do. */
  lenForm?: 7 | 16 | 64;
  /** Write this value in the length field instead of the payload's length (malformed frames). */
  declaredLength?: bigint;
}

export function frame(spec: FrameSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const declared = spec.declaredLength ?? BigInt(payload.length);
  const form = spec.lenForm ?? (declared < 126n ? 7 : declared < 65536n ? 16 : 64);
  const key = spec.key ?? null;
  const hdr = 2 + (form === 16 ? 2 : form === 64 ? 8 : 0) + (key ? 4 : 0);
  const out = new Uint8Array(hdr + payload.length);
  out[0] = ((spec.fin ?? true) ? 0x80 : 0) | (spec.rsv ?? 0) | spec.opcode;
  const maskBit = key ? 0x80 : 0;
  if (form === 7) out[1] = maskBit | Number(declared);
  else if (form === 16) {
    out[1] = maskBit | 126;
    new DataView(out.buffer).setUint16(2, Number(declared));
  } else {
    out[1] = maskBit | 127;
    new DataView(out.buffer).setBigUint64(2, declared);
  }
  if (key) {
    out.set(key, hdr - 4);
    out.set(applyMask(payload, key), hdr);
  } else out.set(payload, hdr);
  return out;
}

/** A stream of frames, and for each frame the stream offset at which its payload starts. */
export function stream(frames: readonly FrameSpec[]): { bytes: Uint8Array; payloadAt: number[] } {
  const parts = frames.map(frame);
  const payloadAt: number[] = [];
  let o = 0;
  parts.forEach((p, i) => {
    payloadAt.push(o + p.length - (frames[i].payload?.length ?? 0));
    o += p.length;
  });
  return { bytes: concat(parts), payloadAt };
}

/** A 4-byte key for frames the given role receives (servers receive masked frames). */
export function incomingKey(role: Role, seed = 7): Uint8Array | null {
  return role === Role.Server ? pattern(4, seed) : null;
}

// ---- chunkers ----

/** Splits at the given (sorted, distinct) offsets. */
export function splitAt(data: Uint8Array, points: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}

export function everyByte(data: Uint8Array): Uint8Array[] {
  return Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
}

export function fixedChunks(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

// ---- the driver ----

export type Ev =
  | {
      type: 'data';
      opcode: number;
      fin: boolean;
      rsv: number;
      payload: Uint8Array;
      msgOpcode: number;
      message: Uint8Array;
    }
  | { type: 'ping' | 'pong'; payload: Uint8Array }
  | { type: 'close'; code: number; payload: Uint8Array }
  | { type: 'error'; code: number; kind: string; offset: number };

export interface Parsed {
  events: Ev[];
  /** For each event, the index of the chunk after whose push it was returned. */
  at: number[];
  /** How many next() calls were made. */
  calls: number;
}

/** Reads the event the codec just returned, copying its payload out. */
export function readEvent(codec: Codec, ev: Event): Ev {
  switch (ev) {
    case Event.Data:
      return {
        type: 'data',
        opcode: codec.opcode,
        fin: codec.fin,
        rsv: codec.flags & 0x70,
        payload: codec.payload().slice(),
        msgOpcode: codec.messageOpcode,
        message: codec.message().slice(),
      };
    case Event.Ping:
      return { type: 'ping', payload: codec.payload().slice() };
    case Event.Pong:
      return { type: 'pong', payload: codec.payload().slice() };
    case Event.Close:
      return { type: 'close', code: codec.closeCode, payload: codec.payload().slice() };
    case Event.Error:
      return { type: 'error', code: codec.closeCode, kind: codec.errorKind, offset: codec.errorOffset };
    default:
      throw new Error(`unexpected event ${ev}`);
  }
}

/**
 * Feeds `chunks` in order, draining events after each push (push only after NeedMore), and stops at
 * the first error. Throws if next() does not return NeedMore within `maxCalls` calls in total.
 */
export function feed(codec: Codec, chunks: Iterable<Uint8Array>, maxCalls = 1e7): Parsed {
  const events: Ev[] = [];
  const at: number[] = [];
  let calls = 0;
  let i = 0;
  for (const chunk of chunks) {
    codec.push(chunk);
    for (;;) {
      if (++calls > maxCalls) throw new Error(`no NeedMore after ${maxCalls} calls to next()`);
      const ev = codec.next();
      if (ev === Event.NeedMore) break;
      events.push(readEvent(codec, ev));
      at.push(i);
      if (ev === Event.Error) return { events, at, calls };
    }
    i++;
  }
  return { events, at, calls };
}

/** Events only, for comparing parses of one stream under different chunkings. */
export const parse = (codec: Codec, chunks: Iterable<Uint8Array>): Ev[] => feed(codec, chunks).events;

/** Builds a frame with the codec's builder and copies it out. */
export function build(codec: Codec, b0: number, payload: Uint8Array, key: Uint8Array | null): Uint8Array {
  return codec.frame(b0, payload, key ? keyToInt(key) : 0).slice();
}
