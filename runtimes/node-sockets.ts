// node:net and node:tls sockets as Transports, and servers of them: Node's, and Deno's for TLS, where
// `Deno.listenTls` cannot turn Nagle off (a `Deno.TlsConn` has no setNoDelay): Deno writes each TLS record
// apart, and with Nagle on, every record after the first of a reply waited for the peer's delayed ACK
// (~40 ms): a 100 KB echo did ~28 round trips a second instead of ~1800, a TLS handshake took ~48 ms.
import net from 'node:net';
import tls from 'node:tls';
import type { Transport, TransportSink } from '../src/transport.ts';
import type { ListenFactory, PeerAddress } from '../src/listener.ts';

export class NodeTransport implements Transport {
  private waiting = false;
  constructor(
    private readonly socket: net.Socket,
    private readonly sink: TransportSink,
  ) {}

  write(data: Uint8Array): boolean {
    const socket = this.socket;
    // Behind a pending write, Node queues the chunk in JS and reads it later: give it a copy, as a
    // view of WASM memory is detached when memory grows. Otherwise Node hands the bytes to the kernel
    // now, keeping only a raw pointer for what the kernel does not take, which growth (in place) keeps.
    const queued = socket.writableLength > 0;
    socket.write(queued ? Buffer.from(data) : data, this.afterWrite);
    if (socket.writableLength === 0) return true; // handed to the kernel synchronously
    this.waiting = true;
    return queued;
  }

  private readonly afterWrite = (): void => {
    if (this.waiting && this.socket.writableLength === 0) {
      this.waiting = false;
      this.sink.onDrain();
    }
  };

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }
  end(): void {
    this.socket.end();
  }
  destroy(): void {
    this.socket.destroy();
  }
  pause(): void {
    this.socket.pause(); // with `onread` too: the handle stops reading
  }
  resume(): void {
    this.socket.resume();
  }
}

// A socket keeps its sink under this key once open, and the same listeners serve every socket (as ws
// does): no closures per connection, which with many idle ones cost some hundreds of bytes each.
export const kSink = Symbol('wasm-ws sink');
export type SinkSocket = net.Socket & { [kSink]: TransportSink };
export function onSocketData(this: SinkSocket, chunk: Buffer): void {
  this[kSink].onChunk(chunk);
}
// `onread`'s callback is called on the socket (its buffer() is not: see readInto).
export function onSocketRead(this: SinkSocket, n: number): boolean {
  this[kSink].onRead(n);
  return true;
}
function onSocketError(): void {} // kept in socket.errored, which onSocketClose reports
function onSocketClose(this: SinkSocket): void {
  this[kSink].onClose(this.errored ?? undefined);
}

/** Where `onread` reads: the sink's buffer (a closure of its own, which keeps nothing else alive). */
export function readInto(sink: TransportSink): () => Uint8Array {
  return () => sink.readBuffer();
}

/** The socket's events go to `sink` through the shared listeners. */
export function sinkTo(socket: net.Socket, sink: TransportSink): void {
  (socket as SinkSocket)[kSink] = sink;
  socket.on('error', onSocketError);
  socket.on('close', onSocketClose);
}

/** A connected socket (accepted, or handed over by an HTTP server) whose events go to `sink`. */
export function socketTransport(socket: net.Socket, sink: TransportSink): Transport {
  sinkTo(socket, sink);
  socket.on('data', onSocketData);
  return new NodeTransport(socket, sink);
}

export function peerOf(socket: net.Socket): PeerAddress {
  return { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 };
}

export const nodeListen: ListenFactory = (options, accept) =>
  new Promise((resolve, reject) => {
    const onSocket = (socket: net.Socket) => {
      socket.setNoDelay(true);
      accept((sink) => socketTransport(socket, sink), peerOf(socket));
    };
    const { tls: secure } = options;
    const server = secure
      ? tls.createServer({ cert: secure.cert, key: secure.key, passphrase: secure.passphrase }, onSocket)
      : net.createServer(onSocket);
    // A client whose TLS handshake fails never becomes a connection: Node has destroyed its socket.
    server.on('tlsClientError', () => {});
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      // Errors once listening (EMFILE on accept, say) are Node's to retry: the server stays up.
      server.on('error', () => {});
      const address = server.address() as net.AddressInfo;
      resolve({ host: address.address, port: address.port, close: () => server.close() });
    });
  });
