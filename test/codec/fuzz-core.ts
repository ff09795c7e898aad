// The fuzzer, shared by test/codec/fuzz.test.ts (a short run) and test/fuzz/long-fuzz.ts (a long one).
// Random and mutated byte streams (valid streams with bit flips, truncations, inserted, deleted and
// duplicated bytes), fed in random chunks. For each stream the codec must: never throw, never loop
// (a bound on next() calls), never grow memory past a bound derived from maxMessage and the chunk
// size, end either in frames or in exactly one protocol error (and stay failed), and agree with the
// reference model (test/codec/model.ts) on every event, error kind and error offset.
import { Event, Role, makeCodec, readEvent, frame, concat, type Ev, type FrameSpec, type Variant } from './helpers.ts';
import { modelParse } from './model.ts';
import { Rng } from '../support/rng.ts';
import { isDeepStrictEqual } from 'node:util';

const TEXTS = ['', 'a', 'hello', 'κόσμε', '€𝄞', '\u{10ffff}\u{fffd}', 'x'.repeat(130)].map((t) =>
  new TextEncoder().encode(t),
);

/** A valid stream for `role`: messages (some fragmented, control frames between fragments), maybe a close. */
export function validStream(rng: Rng, role: Role, maxMessage: number): Uint8Array {
  const key = () => (role === Role.Server ? rng.bytes(4) : null);
  const frames: FrameSpec[] = [];
  const nMsgs = rng.int(4);
  for (let m = 0; m < nMsgs; m++) {
    const text = rng.chance(0.5);
    const data = text
      ? rng.pick(TEXTS)
      : rng.bytes(rng.chance(0.1) ? rng.int(Math.min(maxMessage, 70000) + 1) : rng.int(Math.min(maxMessage, 200) + 1));
    const nFrag = 1 + rng.int(3);
    let o = 0;
    for (let f = 0; f < nFrag; f++) {
      const end = f === nFrag - 1 ? data.length : o + rng.int(data.length - o + 1);
      frames.push({
        opcode: f === 0 ? (text ? 1 : 2) : 0,
        fin: f === nFrag - 1,
        payload: data.subarray(o, end),
        key: key(),
      });
      o = end;
      if (f < nFrag - 1 && rng.chance(0.3))
        frames.push({ opcode: rng.pick([9, 10]), payload: rng.bytes(rng.int(20)), key: key() });
    }
  }
  if (rng.chance(0.3))
    frames.push({
      opcode: 8,
      payload: rng.chance(0.5) ? Uint8Array.of(0x03, 0xe8, 0x61) : new Uint8Array(0),
      key: key(),
    });
  return concat(frames.map(frame));
}

export function mutate(rng: Rng, s: Uint8Array): Uint8Array {
  let out = s;
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const at = out.length ? rng.int(out.length) : 0;
    switch (rng.int(6)) {
      case 0: // bit flip
        if (out.length) {
          out = out.slice();
          out[at] ^= 1 << rng.int(8);
        }
        break;
      case 1: // byte replaced by an interesting value
        if (out.length) {
          out = out.slice();
          out[at] = rng.pick([0x00, 0x7e, 0x7f, 0x80, 0xff, 0x88, 0x89, 0x8a, 0x01, 0x02, 0xc0, 0xed, 0xf4, 0xf5]);
        }
        break;
      case 2: // truncation
        out = out.subarray(0, at);
        break;
      case 3: // inserted bytes
        out = concat([out.subarray(0, at), rng.bytes(1 + rng.int(4)), out.subarray(at)]);
        break;
      case 4: // deleted bytes
        out = concat([out.subarray(0, at), out.subarray(at + 1 + rng.int(4))]);
        break;
      default: // a duplicated span
        out = concat([out.subarray(0, at), out.subarray(at, at + rng.int(16)), out.subarray(at)]);
    }
  }
  return out;
}

export function randomChunks(rng: Rng, s: Uint8Array, maxChunk: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const mode = rng.int(3); // one byte at a time, small, or large chunks
  for (let o = 0; o < s.length; ) {
    const n = mode === 0 ? 1 : mode === 1 ? 1 + rng.int(16) : 1 + rng.int(maxChunk);
    out.push(s.subarray(o, o + n));
    o += n;
  }
  return out;
}

export interface FuzzOptions {
  seed: number;
  streams: number;
  variants: Variant[];
  /** Called every `every` streams with progress (for the long runner). */
  progress?: (done: number, stats: FuzzStats) => void;
  every?: number;
}

export interface FuzzStats {
  streams: number;
  errors: Record<string, number>;
  clean: number;
  events: number;
  maxMemory: number;
}

const MAX_CHUNK = 4096;
const MAX_MESSAGES = [0, 1, 125, 1000, 70000, 1 << 20];

/** The memory a codec may use: its start, plus the receive region (at most doubling past the message,
 *  a partial control frame and one chunk, and leaving its older copies behind), plus the send region. */
export function memoryBound(initial: number, maxMessage: number, maxChunk: number): number {
  return initial + 4 * (maxMessage + 256 + maxChunk) + 2 * 65536;
}

export class FuzzFailure extends Error {
  constructor(
    message: string,
    readonly detail: { seed: number; index: number; variant: string; role: Role; maxMessage: number; stream: string },
  ) {
    super(`${message}\n${JSON.stringify(detail)}`);
  }
}

/** Runs `streams` fuzz streams on every variant; throws a FuzzFailure with a reproducible case. */
export function runFuzz(opts: FuzzOptions): FuzzStats {
  const stats: FuzzStats = { streams: 0, errors: {}, clean: 0, events: 0, maxMemory: 0 };
  const rng = new Rng(opts.seed);
  // One codec per variant, role and limit, re-initialised between streams. The codecs of a variant are
  // contexts in one shared module: its memory is bounded by the largest limit used on it.
  const codecs = new Map<string, { codec: ReturnType<typeof makeCodec>; initial: number }>();
  const modules = new Map<string, { initial: number; maxMessage: number }>();
  for (let i = 0; i < opts.streams; i++) {
    const variant = opts.variants[i % opts.variants.length];
    const role: Role = rng.chance(0.5) ? Role.Client : Role.Server;
    const maxMessage = rng.pick(MAX_MESSAGES);
    const id = `${variant.name}/${role}/${maxMessage}`;
    let entry = codecs.get(id);
    if (!entry) {
      const codec = makeCodec(variant, { role, maxMessage });
      entry = { codec, initial: codec.wasm.memory.buffer.byteLength };
      codecs.set(id, entry);
    } else entry.codec.reset();
    const { codec } = entry;
    const module = modules.get(variant.name) ?? { initial: entry.initial, maxMessage: 0 };
    module.maxMessage = Math.max(module.maxMessage, maxMessage);
    modules.set(variant.name, module);

    const kind = rng.int(10);
    const base = validStream(rng, role, maxMessage);
    const s = kind < 2 ? rng.bytes(rng.int(64)) : kind < 3 ? base : mutate(rng, base);
    const chunks = randomChunks(rng, s, MAX_CHUNK);
    const fail = (msg: string): never => {
      throw new FuzzFailure(msg, {
        seed: opts.seed,
        index: i,
        variant: variant.name,
        role,
        maxMessage,
        stream: Buffer.from(s).toString('hex'),
      });
    };

    const events: Ev[] = [];
    let calls = 0;
    const maxCalls = 2 * s.length + 2 * chunks.length + 10; // at most one event per 2 bytes, plus a NeedMore per chunk
    let failed = false;
    try {
      for (const chunk of chunks) {
        codec.push(chunk);
        for (;;) {
          if (++calls > maxCalls) fail(`no NeedMore after ${maxCalls} calls`);
          const ev = codec.next();
          if (ev === Event.NeedMore) break;
          if (ev < 0 || ev > Event.Error) fail(`unknown event ${ev}`);
          events.push(readEvent(codec, ev));
          if (ev === Event.Error) {
            failed = true;
            break;
          }
        }
        if (failed) break;
      }
      if (failed) {
        // Exactly one error: it stays, and nothing else comes.
        for (let k = 0; k < 2; k++)
          if (codec.next() !== Event.Error) fail('next() after an error did not return Error');
      }
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      fail(`threw: ${(e as Error).stack}`);
    }
    const mem = codec.wasm.memory.buffer.byteLength;
    stats.maxMemory = Math.max(stats.maxMemory, mem);
    if (mem > memoryBound(module.initial, module.maxMessage, MAX_CHUNK)) fail(`memory grew to ${mem} bytes`);
    const errors = events.filter((e) => e.type === 'error');
    if (errors.length > 1 || (errors.length === 1 && events.at(-1)?.type !== 'error')) fail('more than one error');
    const err = errors[0];
    if (err && err.type === 'error') {
      if (!(err.offset >= 0 && err.offset <= s.length)) fail(`error offset ${err.offset} outside the stream`);
      stats.errors[err.kind] = (stats.errors[err.kind] ?? 0) + 1;
    } else stats.clean++;
    stats.events += events.length;

    const model = modelParse(s, { role, maxMessage });
    if (!isDeepStrictEqual(events, model.events)) {
      fail(
        `differs from the model:\n codec ${JSON.stringify(events.slice(-3))}\n model ${JSON.stringify(model.events.slice(-3))}`,
      );
    }
    stats.streams++;
    if (opts.progress && opts.every && (i + 1) % opts.every === 0) opts.progress(i + 1, stats);
  }
  return stats;
}
