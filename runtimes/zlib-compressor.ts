// permessage-deflate with node:zlib (native zlib on Node and Bun). Its synchronous calls are one-shot,
// so context between messages is kept as zlib itself would see it: each message is deflated (and
// inflated) with the stream's window so far as its preset dictionary. The deflater keeps a 4 KiB
// window (a sender chooses which back-references it uses; bench/micro measured 4 KiB as fast as none
// with the ratio of 32 KiB), the inflater the 32 KiB the peer may refer to.
import zlib from 'node:zlib';
import {
  type CompressorFactory,
  History,
  InflateError,
  type MessageCompressor,
  TAIL,
  joined,
  withoutTail,
} from '../src/deflate/compressor.ts';
import type { DeflateAgreement } from '../src/deflate/negotiation.ts';

const SENT_WINDOW = 4 * 1024;

// zlib returns Buffers, whose slice() does not copy: users get plain Uint8Arrays, as from the codec.
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);
const RECEIVED_WINDOW = 32 * 1024;

class ZlibCompressor implements MessageCompressor {
  private sent: History | null = null;
  private received: History | null = null;

  constructor(private readonly agreement: DeflateAgreement) {}

  deflate(message: Uint8Array): Uint8Array | null {
    const { clientMaxWindowBits: bits, clientNoContextTakeover } = this.agreement;
    if (bits < 9) return null; // zlib's raw deflate has no 256-byte window: send it uncompressed
    const options: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH, windowBits: bits };
    if (!clientNoContextTakeover) {
      this.sent ??= new History(Math.min(SENT_WINDOW, 1 << bits));
      if (this.sent.window.length > 0) options.dictionary = this.sent.window;
    }
    const out = withoutTail(plain(zlib.deflateRawSync(message, options)));
    this.sent?.add(message);
    return out;
  }

  inflate(compressed: Uint8Array, limit: number): Uint8Array {
    const options: zlib.ZlibOptions = {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      // zlib refuses a 0 limit; an empty message inflates to nothing either way
      maxOutputLength: Math.max(1, limit),
    };
    if (!this.agreement.serverNoContextTakeover) {
      this.received ??= new History(RECEIVED_WINDOW);
      if (this.received.window.length > 0) options.dictionary = this.received.window;
    }
    let out: Uint8Array;
    try {
      out = plain(zlib.inflateRawSync(joined([compressed, TAIL], compressed.length + 4), options));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE') {
        throw new InflateError(true, `the message inflates to more than ${limit} bytes`);
      }
      throw new InflateError(false, `invalid DEFLATE data (${e.message})`);
    }
    if (out.length > limit) throw new InflateError(true, `the message inflates to more than ${limit} bytes`);
    this.received?.add(out);
    return out;
  }
}

export const zlibCompressor: CompressorFactory = (agreement: DeflateAgreement) => new ZlibCompressor(agreement);
