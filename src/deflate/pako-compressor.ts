// permessage-deflate with pako (zlib in JavaScript): streaming, so context is kept between messages as
// the agreement says. For runtimes whose node:zlib cannot preset a window (Deno's).
import { Deflate, Inflate, Z_SYNC_FLUSH, type ZStream, zlibDeflateReset, zlibInflateReset } from 'pako';
import {
  type CompressorFactory,
  InflateError,
  type MessageCompressor,
  TAIL,
  joined,
  withoutTail,
} from './compressor.ts';
import type { DeflateAgreement } from './negotiation.ts';

// Output comes in chunks of this size: a message inflating past its limit overshoots by at most this.
const CHUNK = 16 * 1024;

class TooBig extends Error {}

// Resetting a stream for the next message (no context takeover) needs the zlib stream that pako's
// Deflate and Inflate keep in `strm` (typed private): cheaper than a new one (256 KiB for a deflater).
const streamOf = (x: Deflate | Inflate): ZStream => (x as unknown as { strm: ZStream }).strm;

class PakoCompressor implements MessageCompressor {
  private deflater: Deflate | null = null;
  private inflater: Inflate | null = null;
  private parts: Uint8Array[] = [];
  private length = 0;
  private limit = 0;

  constructor(private readonly agreement: DeflateAgreement) {}

  deflate(message: Uint8Array): Uint8Array | null {
    const bits = this.agreement.clientMaxWindowBits;
    if (bits < 9) return null; // zlib's raw deflate has no 256-byte window: send it uncompressed
    // An empty message after others flushes nothing at all (zlib has nothing to emit): send it as it is.
    if (message.length === 0) return null;
    const deflater = this.deflater ?? this.makeDeflater(bits);
    this.parts = [];
    this.length = 0;
    this.limit = Number.POSITIVE_INFINITY;
    if (!deflater.push(message, Z_SYNC_FLUSH)) throw new Error(`wasm-ws: deflate failed: ${deflater.msg}`);
    const out = withoutTail(joined(this.parts, this.length));
    if (this.agreement.clientNoContextTakeover) zlibDeflateReset(streamOf(deflater));
    return out;
  }

  inflate(compressed: Uint8Array, limit: number): Uint8Array {
    const inflater = this.inflater ?? this.makeInflater();
    this.parts = [];
    this.length = 0;
    this.limit = limit;
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

export const pakoCompressor: CompressorFactory = (agreement) => new PakoCompressor(agreement);
