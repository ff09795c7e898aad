// permessage-deflate with pako (zlib in JavaScript), streaming, so context is kept between messages as
// the agreement says; and, where the runtime has a faster native zlib (Node, Bun), large messages go
// to it instead. Native zlib is only reachable there through one-shot calls, each setting up zlib's
// state anew: cheaper than pako for large messages, dearer for small ones (bench/micro, deflate). The
// two share the stream's context through its window: each message that goes through either is added
// to a copy of the window, which a one-shot call takes as its preset dictionary, and which pako's
// stream is reset to whenever the one-shot side has moved the stream on without it.
import {
  Deflate,
  Inflate,
  Z_SYNC_FLUSH,
  type ZStream,
  zlibDeflateReset,
  zlibDeflateSetDictionary,
  zlibInflateReset,
  zlibInflateSetDictionary,
} from 'pako';
import {
  type CompressorFactory,
  History,
  InflateError,
  type MessageCompressor,
  TAIL,
  withoutTail,
} from './compressor.ts';
import { joined } from '../bytes.ts';
import type { DeflateAgreement } from './negotiation.ts';

/** A native zlib's one-shot calls, with the window so far as a preset dictionary. */
export interface OneShotZlib {
  /** One message deflated with a sync flush, its tail dropped, back-references reaching into `window`. */
  deflate(message: Uint8Array, windowBits: number, window: Uint8Array): Uint8Array;
  /** One message inflated (tail put back by the caller), at most `limit` bytes; throws an InflateError. */
  inflate(compressed: Uint8Array, limit: number, window: Uint8Array): Uint8Array;
  /** Messages of at least this many bytes are deflated by it. */
  deflateFrom: number;
  /** Compressed messages of at least this many bytes are inflated by it. */
  inflateFrom: number;
}

// pako's output comes in chunks of this size: a message inflating past its limit overshoots by at most this.
const CHUNK = 16 * 1024;
// The window a deflater keeps for one-shot calls: the sender chooses its back-references, and 4 KiB
// deflates about as fast as none with about the ratio of 32 KiB (bench/micro/RESULTS.md).
const SENT_WINDOW = 4 * 1024;
const RECEIVED_WINDOW = 32 * 1024;
const EMPTY = new Uint8Array(0);

class TooBig extends Error {}

// Resetting a stream for the next message (no context takeover), or to a window, needs the zlib stream
// that pako's Deflate and Inflate keep in `strm` (typed private): cheaper than a new one (256 KiB for a
// deflater).
const streamOf = (x: Deflate | Inflate): ZStream => (x as unknown as { strm: ZStream }).strm;

class PakoCompressor implements MessageCompressor {
  private deflater: Deflate | null = null;
  private inflater: Inflate | null = null;
  private parts: Uint8Array[] = [];
  private length = 0;
  private limit = 0;
  // The windows the one-shot side needs (context takeover only); and whether pako's streams lag them.
  private readonly sent: History | null;
  private readonly received: History | null;
  private deflaterBehind = false;
  private inflaterBehind = false;

  constructor(
    private readonly agreement: DeflateAgreement,
    private readonly native: OneShotZlib | null,
  ) {
    const bits = agreement.clientMaxWindowBits;
    this.sent = native && !agreement.clientNoContextTakeover ? new History(Math.min(SENT_WINDOW, 1 << bits)) : null;
    this.received = native && !agreement.serverNoContextTakeover ? new History(RECEIVED_WINDOW) : null;
  }

  deflate(message: Uint8Array): Uint8Array | null {
    const { clientMaxWindowBits: bits, clientNoContextTakeover } = this.agreement;
    if (bits < 9) return null; // zlib's raw deflate has no 256-byte window: send it uncompressed
    // An empty message after others flushes nothing at all (zlib has nothing to emit): send it as it is.
    if (message.length === 0) return null;
    const native = this.native;
    if (native !== null && message.length >= native.deflateFrom) {
      const out = native.deflate(message, bits, this.sent?.window ?? EMPTY);
      this.sent?.add(message);
      this.deflaterBehind = this.sent !== null;
      return out;
    }
    const deflater = this.deflater ?? this.makeDeflater(bits);
    if (this.deflaterBehind) {
      const stream = streamOf(deflater);
      zlibDeflateReset(stream);
      zlibDeflateSetDictionary(stream, this.sent!.window);
      this.deflaterBehind = false;
    }
    this.start(Number.POSITIVE_INFINITY);
    if (!deflater.push(message, Z_SYNC_FLUSH)) throw new Error(`wasm-ws: deflate failed: ${deflater.msg}`);
    const out = withoutTail(this.take());
    if (clientNoContextTakeover) zlibDeflateReset(streamOf(deflater));
    this.sent?.add(message);
    return out;
  }

  inflate(compressed: Uint8Array, limit: number): Uint8Array {
    const native = this.native;
    if (native !== null && compressed.length >= native.inflateFrom) {
      const out = native.inflate(compressed, limit, this.received?.window ?? EMPTY);
      this.received?.add(out);
      this.inflaterBehind = this.received !== null;
      return out;
    }
    const inflater = this.inflater ?? this.makeInflater();
    if (this.inflaterBehind) {
      const stream = streamOf(inflater);
      zlibInflateReset(stream);
      zlibInflateSetDictionary(stream, this.received!.window);
      this.inflaterBehind = false;
    }
    this.start(limit);
    try {
      if (!inflater.push(compressed, Z_SYNC_FLUSH) || !inflater.push(TAIL, Z_SYNC_FLUSH)) {
        throw new InflateError(false, `invalid DEFLATE data (${inflater.msg || 'error'})`);
      }
    } catch (error) {
      this.inflater = null; // its state is undefined now; the connection fails anyway
      if (error instanceof TooBig) throw new InflateError(true, `the message inflates to more than ${limit} bytes`);
      throw error;
    }
    if (this.agreement.serverNoContextTakeover) zlibInflateReset(streamOf(inflater));
    const out = this.take();
    this.received?.add(out);
    return out;
  }

  private start(limit: number): void {
    this.parts = [];
    this.length = 0;
    this.limit = limit;
  }

  private take(): Uint8Array {
    const out = joined(this.parts, this.length);
    this.parts = [];
    return out;
  }

  private collect = (chunk: Uint8Array): void => {
    this.length += chunk.length;
    if (this.length > this.limit) throw new TooBig();
    this.parts.push(chunk);
  };

  private makeDeflater(bits: number): Deflate {
    const deflater = new Deflate({ raw: true, windowBits: bits, chunkSize: CHUNK });
    deflater.onData = this.collect;
    this.deflater = deflater;
    return deflater;
  }

  private makeInflater(): Inflate {
    const inflater = new Inflate({ raw: true, windowBits: 15, chunkSize: CHUNK });
    inflater.onData = this.collect;
    this.inflater = inflater;
    return inflater;
  }
}

/** pako alone (Deno, whose node:zlib cannot preset a raw stream's window). */
export const pakoCompressor: CompressorFactory = (agreement) => new PakoCompressor(agreement, null);

/** pako for small messages, `native` for large ones. */
export function withNativeZlib(native: OneShotZlib): CompressorFactory {
  return (agreement) => new PakoCompressor(agreement, native);
}
