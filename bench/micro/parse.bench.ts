// Parsing a stream of server frames (client role: unmasked), 256 B and 8 KiB binary payloads, the
// stream pre-built and fed in 64 KiB chunks as a socket delivers it: ours (Codec push + next until
// NeedMore, touching message()) for every codec build vs ws's Receiver (write(chunk), counting
// 'message' events). One iteration parses the whole stream; index.ts turns it into frames/s.
import { bench, do_not_optimize, group, summary } from 'mitata';
import { Codec, Event } from '../../src/codec/index.ts';
import { FRAME_SIZES, fmtSize, frameStream, note, variants, wsReceiver, wsVersion, work } from './data.ts';

export function registerParse(): void {
  const vs = variants();
  let Receiver: ReturnType<typeof wsReceiver> | undefined;
  try {
    Receiver = wsReceiver();
  } catch (e) {
    note(`parse: no ws row: ${(e as Error).message.split('\n')[0]}`);
  }

  for (const size of FRAME_SIZES) {
    const stream = frameStream(size);
    const { chunks, frames } = stream;
    const sz = fmtSize(size);

    group(`parse ${sz} frames (${frames} frames, ${chunks.length} chunks of 64 KiB)`, () => {
      summary(() => {
        for (const v of vs) {
          const codec = new Codec({ backend: v.backend, simd: v.simd });
          const parseAll = (): number => {
            let n = 0;
            for (let i = 0; i < chunks.length; i++) {
              codec.push(chunks[i]);
              for (let ev = codec.next(); ev !== Event.NeedMore; ev = codec.next()) {
                if (ev !== Event.Data)
                  throw new Error(`bench/micro: ${v.name} reported event ${ev} (${codec.errorKind})`);
                do_not_optimize(codec.message());
                n++;
              }
            }
            return n;
          };
          const got = parseAll();
          if (got !== frames) throw new Error(`bench/micro: ${v.name} parsed ${got} of ${frames} frames`);
          const name = `parse ${sz}: ours ${v.name}`;
          work.set(name, { frames, bytes: stream.bytes });
          bench(name, () => {
            if (parseAll() !== frames) throw new Error('bench/micro: lost frames');
          });
        }

        {
          // Not a contender: the memcpy inside push(). Node (net.Socket onread) and Deno (conn.read(view))
          // read straight into WASM memory and skip it; Bun hands over a buffer and pays it.
          const spare = new Codec({ backend: vs[0].backend, simd: vs[0].simd });
          const view = spare.rxReserve(65536);
          const name = `parse ${sz}: (memcpy of the chunks into WASM memory alone)`;
          work.set(name, { bytes: stream.bytes });
          bench(name, () => {
            for (let i = 0; i < chunks.length; i++) view.set(chunks[i]);
          });
        }

        if (Receiver) {
          const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer' });
          let count = 0;
          receiver.on('message', (data) => {
            do_not_optimize(data);
            count++;
          });
          receiver.on('error', (err) => {
            throw err;
          });
          const parseAll = (): number => {
            const before = count;
            for (let i = 0; i < chunks.length; i++) receiver.write(chunks[i]);
            return count - before;
          };
          const got = parseAll();
          if (got !== frames)
            throw new Error(`bench/micro: ws's Receiver emitted ${got} of ${frames} messages synchronously`);
          const name = `parse ${sz}: ws ${wsVersion()} Receiver`;
          work.set(name, { frames, bytes: stream.bytes });
          bench(name, () => {
            if (parseAll() !== frames) throw new Error("bench/micro: ws's Receiver lost frames");
          }).baseline(true);
        }
      });
    });
  }
}
