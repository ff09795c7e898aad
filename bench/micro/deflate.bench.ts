// permessage-deflate's compressor, chosen by measurement (issue 14): messages of JSON-like text at
// 256 B, 8 KiB and 100 KB, deflated and inflated the way the extension does it (raw DEFLATE, a sync
// flush after each message, the 4-byte 00 00 ff ff tail dropped and put back), with context takeover
// unless the name says otherwise:
// - the compressors the package ships: on Node and Bun pako for small messages and native zlib for
//   large ones (runtimes/zlib-compressor.ts), on Deno pako alone (src/deflate/pako-compressor.ts);
// - for comparison: node:zlib alone with the window as a preset dictionary (4 KiB deflating, 32 KiB
//   inflating), node:zlib one-shot without context takeover (the fastest there is, at a worse ratio),
//   node:zlib with a 32 KiB dictionary for deflate too, and fflate's streaming Deflate and Inflate.
// Every candidate's stream of messages must inflate back (with pako, zlib's own algorithm) before it
// gets a row; one that does not is reported as a note.
import * as zlib from 'node:zlib';
import { Deflate as FflateDeflate, Inflate as FflateInflate } from 'fflate';
import { bench, do_not_optimize, group, summary } from 'mitata';
import { zlibCompressor, zlibOneShot } from '../../runtimes/zlib-compressor.ts';
import { joined } from '../../src/bytes.ts';
import { History, type MessageCompressor, TAIL, withoutTail } from '../../src/deflate/compressor.ts';
import type { DeflateAgreement } from '../../src/deflate/negotiation.ts';
import { pakoCompressor, withNativeZlib } from '../../src/deflate/pako-compressor.ts';
import { Buffer, fmtSize, jsonText, note, work } from './data.ts';

export const DEFLATE_SIZES = [256, 8 * 1024, 100_000];
// Different messages in turn, as a feed sends them (the same message again would be one long match
// against the previous one for a compressor that keeps its context).
const MESSAGES = 16;
const LIMIT = 64 * 1024 * 1024;

const takeover: DeflateAgreement = {
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  threshold: 0,
};
const noTakeover: DeflateAgreement = { ...takeover, serverNoContextTakeover: true, clientNoContextTakeover: true };

function fflateCompressor(): MessageCompressor {
  let parts: Uint8Array[] = [];
  let length = 0;
  const collect = (chunk: Uint8Array) => {
    parts.push(chunk.slice());
    length += chunk.length;
  };
  const deflater = new FflateDeflate({ level: 6 }, collect);
  const inflater = new FflateInflate(collect);
  const take = () => {
    const out = joined(parts, length);
    parts = [];
    length = 0;
    return out;
  };
  return {
    deflate(message) {
      deflater.push(message);
      deflater.flush(true);
      return withoutTail(take());
    },
    inflate(compressed) {
      inflater.push(compressed);
      inflater.push(TAIL);
      return take();
    },
  };
}

/** node:zlib with a 32 KiB window as the dictionary both ways: the ratio of a streaming zlib. */
function zlibFullWindow(): MessageCompressor {
  const sent = new History(32 * 1024);
  const inflater = zlibAlone(takeover);
  return {
    deflate(message) {
      const options: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
      if (sent.window.length > 0) options.dictionary = sent.window;
      const out = zlib.deflateRawSync(message, options);
      sent.add(message);
      return withoutTail(new Uint8Array(out.buffer, out.byteOffset, out.length));
    },
    inflate: (compressed, limit) => inflater.inflate(compressed, limit),
  };
}

const zlibAlone = withNativeZlib({ ...zlibOneShot, deflateFrom: 0, inflateFrom: 0 });

const candidates: [string, () => MessageCompressor][] = [
  ['ours on Node and Bun (pako, native zlib for large)', () => zlibCompressor(takeover)],
  ['pako (ours on Deno)', () => pakoCompressor(takeover)],
  ['node:zlib, window as dictionary', () => zlibAlone(takeover)],
  ['node:zlib one-shot, no context takeover', () => zlibAlone(noTakeover)],
  ['node:zlib, 32 KiB dictionary both ways', zlibFullWindow],
  ['fflate', fflateCompressor],
];

/** Deflates the messages in order with a fresh compressor: the stream, or null if it does not inflate back. */
function streamOf(
  deflater: MessageCompressor,
  messages: Uint8Array[],
  inflater: MessageCompressor,
): Uint8Array[] | null {
  try {
    const stream = messages.map((m) => deflater.deflate(m)!);
    for (let i = 0; i < stream.length; i++) {
      if (Buffer.compare(inflater.inflate(stream[i], LIMIT), messages[i]) !== 0) return null;
    }
    return stream;
  } catch {
    return null;
  }
}

const mean = (stream: Uint8Array[]) => Math.round(stream.reduce((n, m) => n + m.length, 0) / stream.length);

export function registerDeflate(): void {
  for (const size of DEFLATE_SIZES) {
    const messages = Array.from({ length: MESSAGES }, (_, i) => jsonText(size, 1000 + i));
    const sz = fmtSize(size);
    const streams = new Map<string, Uint8Array[]>();
    for (const [name, make] of candidates) {
      const reference = name.includes('no context') ? pakoCompressor(noTakeover) : pakoCompressor(takeover);
      const stream = streamOf(make(), messages, reference);
      if (stream) streams.set(name, stream);
      else note(`deflate ${sz}: what ${name} deflates, ${MESSAGES} messages in a row, does not inflate back: no row`);
    }
    group(`deflate JSON ${sz}`, () => {
      summary(() => {
        for (const [name, make] of candidates) {
          const stream = streams.get(name);
          if (!stream) continue;
          const compressor = make();
          const label = `deflate JSON ${sz} ${name} → ${mean(stream)} B`;
          work.set(label, { bytes: size });
          let i = 0;
          bench(label, () => do_not_optimize(compressor.deflate(messages[i++ % MESSAGES])));
        }
      });
    });
    group(`inflate JSON ${sz}`, () => {
      summary(() => {
        for (const [name, make] of candidates) {
          // What it inflates: pako's stream (its own, without context takeover), which every zlib reads.
          const oneShot = name.includes('no context');
          const stream = streamOf(pakoCompressor(oneShot ? noTakeover : takeover), messages, make());
          if (!stream) {
            note(`inflate ${sz}: ${name} does not inflate pako's stream back: no row`);
            continue;
          }
          const label = `inflate JSON ${sz} ${name}`;
          work.set(label, { bytes: size });
          // With context takeover each message continues the stream: a fresh inflater at each pass.
          let inflater = make();
          let i = 0;
          bench(label, () => {
            if (i === stream.length) {
              inflater = make();
              i = 0;
            }
            return do_not_optimize(inflater.inflate(stream[i++], LIMIT));
          });
        }
      });
    });
  }
}
