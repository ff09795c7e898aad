// permessage-deflate on Node and Bun: pako for small messages, native zlib (node:zlib) for large ones,
// sharing the stream's context (src/deflate/pako-compressor.ts). node:zlib's synchronous calls are
// one-shot, so a message is deflated (or inflated) with the stream's window so far as its preset
// dictionary. Where each takes over was measured end to end (README, "permessage-deflate").
// node:zlib is loaded at the first message that needs it, not with the package: on Bun it (with the
// node:stream it pulls in) was 15 ms of the import and ~530 KB of heap that every GC then walks, for
// connections that mostly never compress a large message.
import { createRequire } from 'node:module';
import process from 'node:process';
import type zlibModule from 'node:zlib';
import { joined } from '../src/bytes.ts';
import { InflateError, TAIL, withoutTail } from '../src/deflate/compressor.ts';
import { type OneShotZlib, withNativeZlib } from '../src/deflate/pako-compressor.ts';

let loaded: typeof zlibModule | undefined;
// process.getBuiltinModule came with Node 20.16; createRequire serves the Node 20 releases before it.
const nodeZlib = (): typeof zlibModule =>
  (loaded ??= process.getBuiltinModule?.('node:zlib') ?? createRequire(import.meta.url)('node:zlib'));

// zlib returns Buffers, whose slice() does not copy: users get plain Uint8Arrays, as from the codec.
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

export const zlibOneShot: OneShotZlib = {
  deflateFrom: 8 * 1024,
  inflateFrom: 1024,
  deflate(message, windowBits, window) {
    const zlib = nodeZlib();
    const options: zlibModule.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH, windowBits };
    if (window.length > 0) options.dictionary = window;
    return withoutTail(plain(zlib.deflateRawSync(message, options)));
  },
  inflate(compressed, limit, window) {
    // zlib refuses a 0 limit; an empty message inflates to nothing either way.
    const zlib = nodeZlib();
    const options: zlibModule.ZlibOptions = {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: Math.max(1, limit),
    };
    if (window.length > 0) options.dictionary = window;
    let out: Uint8Array;
    try {
      out = plain(zlib.inflateRawSync(joined([compressed, TAIL], compressed.length + 4), options));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE')
        throw new InflateError(true, `the message inflates to more than ${limit} bytes`);
      throw new InflateError(false, `invalid DEFLATE data (${e.message})`);
    }
    if (out.length > limit) throw new InflateError(true, `the message inflates to more than ${limit} bytes`);
    return out;
  },
};

export const zlibCompressor = withNativeZlib(zlibOneShot);
