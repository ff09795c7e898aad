// A client's whole per-message path without a socket: a server frame arrives, the message is delivered
// to the listener, which sends it back (a masked frame handed to the transport). Ours: a connection of
// the low-latency API over a transport that only counts what it is given; ws: its Receiver and Sender
// over a socket that does the same. What a socket, the runtime's event loop and the kernel add to a
// round trip is the benchmark's I/O floor (`node bench`); this is what the library adds on top of it.
import { bench, do_not_optimize, group, summary } from 'mitata';
import { acceptFor } from '../../src/protocol/handshake.ts';
import { openConnection, type Connection } from '../../src/protocol/connection.ts';
import { sha1Base64 } from '../../runtimes/sha1.ts';
import type { Platform } from '../../src/platform.ts';
import type { Transport, TransportSink } from '../../src/transport.ts';
import {
  Buffer,
  KiB,
  fmtSize,
  frameStream,
  note,
  wsReceiver,
  wsSender,
  wsSenderWithBufferutil,
  wsVersion,
  work,
} from './data.ts';

export const ECHO_SIZES = [256, 8 * KiB, 100_000];
/** A transport that answers the opening handshake with a 101 and then takes every write at once. */
class CountingTransport implements Transport {
  sink!: TransportSink;
  written = 0;
  readonly bufferedAmount = 0;
  private answered = false;

  write(data: Uint8Array): boolean {
    if (!this.answered) {
      this.answered = true;
      const key = /sec-websocket-key: *(\S+)/i.exec(Buffer.from(data).toString('latin1'))?.[1];
      const accept = acceptFor(key ?? '', sha1Base64);
      const response = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
      queueMicrotask(() => this.sink.onChunk(Buffer.from(response, 'latin1')));
    } else this.written += data.length;
    return true;
  }
  end(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
}

async function ourEcho(size: number): Promise<{ transport: CountingTransport; conn: Connection }> {
  const transport = new CountingTransport();
  const platform = {
    transport: async (_options: unknown, sink: TransportSink) => {
      transport.sink = sink;
      return transport;
    },
    sha1Base64,
    env: () => undefined,
  } as unknown as Platform;
  let conn!: Connection;
  conn = await openConnection(
    'ws://echo.test/',
    {
      onMessage: (data) => {
        if (data.length !== size) throw new Error(`bench/micro: echo of ${data.length} bytes`);
        conn.send(data);
      },
    },
    { perMessageDeflate: false },
    platform,
  );
  // Frames that came with the 101 are delivered on a timer: let it pass.
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { transport, conn };
}

export async function registerEcho(): Promise<void> {
  // ws without bufferutil (its JS mask, as in the other micro-benchmarks) and with it.
  const senders: { label: string; Sender: ReturnType<typeof wsSender> }[] = [];
  let Receiver: ReturnType<typeof wsReceiver> | undefined;
  try {
    Receiver = wsReceiver();
    senders.push({ label: '', Sender: wsSender() });
    const withBufferutil = wsSenderWithBufferutil();
    if ('error' in withBufferutil) note(`echo: no ws + bufferutil row: ${withBufferutil.error}`);
    else senders.push({ label: ' + bufferutil', Sender: withBufferutil });
  } catch (e) {
    note(`echo: no ws row: ${(e as Error).message.split('\n')[0]}`);
  }

  for (const size of ECHO_SIZES) {
    // One frame, cut as sockets hand bytes over: at most 64 KiB at a time (what Node, Bun and Deno read here).
    const { chunks } = frameStream(size, 0);
    const sz = fmtSize(size);
    const { transport } = await ourEcho(size);

    group(`echo ${sz} (a frame in, the message delivered and sent back masked; no socket)`, () => {
      summary(() => {
        // Both ways a transport hands bytes over: a chunk of the runtime's (Bun, Node over TLS), copied
        // into WASM memory, or a read straight into the codec's receive area (Node's onread, Deno).
        const name = `echo ${sz}: ours, a chunk handed over`;
        work.set(name, { frames: 1, bytes: size });
        bench(name, () => {
          const before = transport.written;
          for (const chunk of chunks) transport.sink.onChunk(chunk);
          if (transport.written === before) throw new Error('bench/micro: no echo');
        });
        const readName = `echo ${sz}: ours, read into WASM memory`;
        work.set(readName, { frames: 1, bytes: size });
        bench(readName, () => {
          const before = transport.written;
          for (const chunk of chunks) {
            transport.sink.readBuffer().set(chunk);
            transport.sink.onRead(chunk.length);
          }
          if (transport.written === before) throw new Error('bench/micro: no echo');
        });

        for (const { label, Sender } of Receiver ? senders : []) {
          let written = 0;
          const socket = {
            write: (data: Uint8Array) => {
              written += data.length;
              return true;
            },
            cork: () => {},
            uncork: () => {},
          };
          const sender = new Sender(socket);
          const receiver = new Receiver!({ isServer: false, binaryType: 'nodebuffer' });
          receiver.on('message', (data) => {
            do_not_optimize(data);
            sender.send(data, { binary: true, fin: true, mask: true, compress: false });
          });
          receiver.on('error', (err) => {
            throw err;
          });
          const wsName = `echo ${sz}: ws ${wsVersion()}${label} Receiver + Sender`;
          work.set(wsName, { frames: 1, bytes: size });
          bench(wsName, () => {
            const before = written;
            for (const chunk of chunks) receiver.write(chunk);
            if (written === before) throw new Error('bench/micro: ws did not echo synchronously');
          });
        }
      });
    });
  }
}
