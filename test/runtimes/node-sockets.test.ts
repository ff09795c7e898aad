// How Node's sockets hand bytes to the engine (runtimes/node-sockets.ts): into the buffer the sink gives
// (`onread`: no buffer per read for the collector) for clients over TCP and TLS and for a plain server's
// accepted sockets, whose handles move to sockets made with `onread`; as chunks of Node's own for a TLS
// server's sockets, which take no `onread`. Every byte arrives, in order, and the peer's writes come back.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { before, describe, test } from 'node:test';
import { nodeListen, nodeTransport } from '../../runtimes/node-sockets.ts';
import type { Transport, TransportSink } from '../../src/transport.ts';
import { makeCertificates, type TestCertificates } from '../support/certificates.ts';

/** A sink that records how bytes came: read into its own buffer (onRead) or handed over (onChunk). */
class RecordingSink implements TransportSink {
  private readonly buffer = new Uint8Array(4096);
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  reads = 0;
  chunks = 0;
  closed = false;
  private waiting: { length: number; resolve: () => void } | null = null;

  readBuffer(): Uint8Array {
    return this.buffer;
  }
  onRead(n: number): void {
    this.reads++;
    this.add(this.buffer.slice(0, n));
  }
  onChunk(chunk: Uint8Array): void {
    this.chunks++;
    this.add(chunk.slice());
  }
  onDrain(): void {}
  onClose(): void {
    this.closed = true;
  }

  get received(): Uint8Array {
    return Buffer.concat(this.parts);
  }
  private add(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
    if (this.waiting && this.length >= this.waiting.length) this.waiting.resolve();
  }
  /** Resolves once `length` bytes have come. */
  receivedLength(length: number): Promise<void> {
    if (this.length >= length) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting = { length, resolve };
    });
  }
}

// Larger than the sink's buffer and than a TLS record: many reads.
const payload = new Uint8Array(100_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff);

let certificates: TestCertificates;
before(() => {
  certificates = makeCertificates();
});

/** Listens with nodeListen; the first connection's transport and sink. */
async function listening(secure: boolean) {
  const sink = new RecordingSink();
  let accepted: (transport: Transport) => void = () => {};
  const transport = new Promise<Transport>((resolve) => {
    accepted = resolve;
  });
  const listener = await nodeListen(
    {
      host: '127.0.0.1',
      port: 0,
      tls: secure ? { cert: certificates.cert, key: certificates.key } : undefined,
      handshakeTimeout: 5000,
    },
    (open) => accepted(open(sink)),
  );
  return { sink, transport, listener };
}

describe('Node sockets hand bytes to the engine', () => {
  for (const secure of [false, true]) {
    test(`a ${secure ? 'TLS' : 'plain'} server's socket: ${secure ? "Node's chunks" : 'reads into the sink'}`, async () => {
      const { sink, transport, listener } = await listening(secure);
      const client = secure
        ? tls.connect({ host: '127.0.0.1', port: listener.port, ca: certificates.ca, servername: 'localhost' })
        : net.connect({ host: '127.0.0.1', port: listener.port });
      try {
        await once(client, secure ? 'secureConnect' : 'connect');
        client.write(payload);
        await sink.receivedLength(payload.length);
        assert.deepEqual(sink.received, Buffer.from(payload));
        if (secure) assert.ok(sink.chunks > 0 && sink.reads === 0, `chunks ${sink.chunks}, reads ${sink.reads}`);
        else assert.ok(sink.reads > 1 && sink.chunks === 0, `reads ${sink.reads}, chunks ${sink.chunks}`);
        // The server writes back over the same socket.
        const echoed: Buffer[] = [];
        client.on('data', (chunk: Buffer) => echoed.push(chunk));
        (await transport).write(payload.subarray(0, 1000));
        while (Buffer.concat(echoed).length < 1000) await once(client, 'data');
        assert.deepEqual(Buffer.concat(echoed), Buffer.from(payload.subarray(0, 1000)));
        client.end();
        while (!sink.closed) await new Promise((resolve) => setTimeout(resolve, 5));
      } finally {
        client.destroy();
        listener.close();
      }
    });

    test(`a ${secure ? 'TLS' : 'plain'} client's socket reads into the sink`, async () => {
      const server = secure
        ? tls.createServer({ cert: certificates.cert, key: certificates.key }, (s) => s.end(payload))
        : net.createServer((s) => s.end(payload));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const sink = new RecordingSink();
      try {
        const { port } = server.address() as net.AddressInfo;
        const transport = await nodeTransport(
          { host: '127.0.0.1', port, secure, servername: 'localhost', rejectUnauthorized: true, ca: certificates.ca },
          sink,
        );
        await sink.receivedLength(payload.length);
        assert.deepEqual(sink.received, Buffer.from(payload));
        assert.ok(sink.reads > 1 && sink.chunks === 0, `reads ${sink.reads}, chunks ${sink.chunks}`);
        transport.destroy();
      } finally {
        server.close();
      }
    });
  }
});
