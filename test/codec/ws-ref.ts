// The `ws` package as a reference implementation: its Sender.frame and its Receiver, loaded from
// their lib files (typed here, since @types/ws does not describe them).
import { createRequire } from 'node:module';
import { Buffer } from 'node:buffer';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// ws's "exports" hides lib/: load the files by path, next to its main entry.
const wsLib = (file: string): unknown => require(join(dirname(require.resolve('ws')), 'lib', file));

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
  generateMask?: (mask: Buffer) => void;
}
interface SenderStatic {
  frame(data: Buffer, options: FrameOptions): Buffer[];
}
interface ReceiverInstance {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
  write(chunk: Buffer): boolean;
  destroyed: boolean;
  writableEnded: boolean;
}
interface ReceiverStatic {
  new (options: {
    isServer: boolean;
    binaryType: 'nodebuffer';
    maxPayload: number;
    allowSynchronousEvents?: boolean;
  }): ReceiverInstance;
}

const Sender = wsLib('sender.js') as SenderStatic;
const Receiver = wsLib('receiver.js') as ReceiverStatic;
const { kStatusCode } = wsLib('constants.js') as { kStatusCode: symbol };

/** One frame as ws's Sender writes it; `key` (4 bytes) masks it, null leaves it unmasked. */
export function wsFrame(opcode: number, fin: boolean, payload: Uint8Array, key: Uint8Array | null): Uint8Array {
  const parts = Sender.frame(Buffer.from(payload), {
    fin,
    opcode,
    mask: key !== null,
    readOnly: false,
    rsv1: false,
    generateMask: key ? (m) => m.set(key) : undefined,
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export type WsEvent =
  | { type: 'text' | 'binary' | 'ping' | 'pong'; data: Uint8Array }
  | { type: 'close'; code: number; reason: Uint8Array };

export interface WsResult {
  events: WsEvent[];
  /** The close code ws's Receiver failed with, null if none. */
  code: number | null;
  errorCode: string | null;
}

/** Feeds chunks to a ws Receiver (a server receives masked frames) and collects what it emits. */
export async function wsReceive(chunks: Iterable<Uint8Array>, isServer: boolean, maxPayload = 0): Promise<WsResult> {
  const r = new Receiver({ isServer, binaryType: 'nodebuffer', maxPayload });
  const events: WsEvent[] = [];
  let error: (Error & { code?: string }) | null = null;
  r.on('message', (data, isBinary) => events.push({ type: isBinary ? 'binary' : 'text', data: new Uint8Array(data) }));
  r.on('ping', (data) => events.push({ type: 'ping', data: new Uint8Array(data) }));
  r.on('pong', (data) => events.push({ type: 'pong', data: new Uint8Array(data) }));
  r.on('conclude', (code, reason) => events.push({ type: 'close', code, reason: new Uint8Array(reason) }));
  r.on('error', (err) => {
    error ??= err;
  });
  for (const chunk of chunks) {
    if (error || r.destroyed || r.writableEnded) break;
    r.write(Buffer.from(chunk));
  }
  // ws reports errors through the stream, on a later tick.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  const err = error as (Error & { code?: string; [k: symbol]: unknown }) | null;
  return {
    events,
    code: err ? ((err[kStatusCode] as number | undefined) ?? -1) : null,
    errorCode: err?.code ?? null,
  };
}
