// node:net and node:tls sockets as Transports: connections out, and servers. Node's, and Deno's where its
// own TLS falls short: a `Deno.TlsConn` from Deno.listenTls or Deno.connectTls cannot turn Nagle off (it
// has no setNoDelay), and Deno writes each TLS record apart, so with Nagle on every record after the first
// of a reply waited for the peer's delayed ACK (~40 ms: a 100 KB echo did ~28 round trips a second instead
// of ~1500, a TLS handshake took ~48 ms); and Deno.startTls takes no client certificate, Deno decrypts no
// key and cannot skip verification per connection. A client's other TLS connections keep Deno.startTls
// after setNoDelay: as fast as node:tls on Deno at 256 B and 8 KiB, ~1.4x faster at 100 KB here.
import net from 'node:net';
import tls from 'node:tls';
import { WebSocketError } from '../src/protocol/errors.ts';
import type { Tunnel } from '../src/proxy/tunnel.ts';
import type { ConnectOptions, Transport, TransportFactory, TransportSink } from '../src/transport.ts';
import type { ListenFactory, PeerAddress } from '../src/listener.ts';

const ON_NODE = !('Deno' in globalThis);
// Whether an empty write completes in order after the writes before it (Node's sockets; Deno's node:tls
// fails it with EPERM).
const EMPTY_WRITES = ON_NODE;
// node:tls reads into the sink's buffer (`onread`) on Node; Deno's keeps 'data' events, not tried with
// it: by its source it keeps the Uint8Array it was given, which memory growth detaches (Node keeps the
// address).
const TLS_ONREAD = ON_NODE;
const EMPTY = new Uint8Array(0);

class NodeTransport implements Transport {
  private waiting = false;
  private readonly emptyWrites: boolean;
  constructor(
    private readonly socket: net.Socket,
    private readonly sink: TransportSink,
  ) {
    this.emptyWrites = EMPTY_WRITES && !(socket instanceof tls.TLSSocket);
  }

  write(data: Uint8Array): boolean {
    const socket = this.socket;
    // Behind a pending write, Node queues the chunk in JS and reads it later: give it a copy, as a
    // view of WASM memory is detached when memory grows. Otherwise Node hands the bytes to the kernel
    // now, keeping only a raw pointer for what the kernel does not take, which growth (in place) keeps.
    // (Deno's node:tls too: 400 echoes of up to 2 MB from a Deno TLS server to readers that stalled, while
    // memory grew, all came back intact.)
    if (socket.writableLength > 0) {
      socket.write(Buffer.from(data), this.afterWrite);
      this.waiting = true;
      return true;
    }
    // A write given a callback costs Node a nextTick and an object even when the kernel took it all, as
    // it usually does over TCP: only a write that left bytes behind is followed by an empty one with the
    // callback, which completes after it. A TLS write always completes later, so it takes the callback
    // itself, as every write does on Deno, whose node:tls refuses empty writes.
    const emptyAfter = this.emptyWrites;
    socket.write(data, emptyAfter ? undefined : this.afterWrite);
    if (socket.writableLength === 0) return true; // handed to the kernel synchronously
    this.waiting = true;
    if (emptyAfter) socket.write(EMPTY, this.afterWrite);
    return false;
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
const kSink = Symbol('wasm-ws sink');
type SinkSocket = net.Socket & { [kSink]: TransportSink };
function onSocketData(this: SinkSocket, chunk: Buffer): void {
  this[kSink].onChunk(chunk);
}
// `onread`'s callback is called on the socket (its buffer() is not: see readInto).
function onSocketRead(this: SinkSocket, n: number): boolean {
  this[kSink].onRead(n);
  return true;
}
function onSocketError(): void {} // kept in socket.errored, which onSocketClose reports
function onSocketClose(this: SinkSocket): void {
  this[kSink].onClose(this.errored ?? undefined);
}

/** Where `onread` reads: the sink's buffer (a closure of its own, which keeps nothing else alive). */
function readInto(sink: TransportSink): () => Uint8Array {
  return () => sink.readBuffer();
}

/** The socket's events go to `sink` through the shared listeners. */
function sinkTo(socket: net.Socket, sink: TransportSink): void {
  (socket as SinkSocket)[kSink] = sink;
  socket.on('error', onSocketError);
  socket.on('close', onSocketClose);
}

function describe(error: NodeJS.ErrnoException): string {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

/** TLS to the target: what tls.connect needs beside the socket or address. */
function tlsOptionsOf(options: ConnectOptions): tls.ConnectionOptions {
  return {
    servername: net.isIP(options.servername) ? undefined : options.servername,
    rejectUnauthorized: options.rejectUnauthorized,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    passphrase: options.passphrase,
  };
}

function tlsFailure(where: string, error: Error): WebSocketError {
  return new WebSocketError(
    'ERR_TLS',
    `TLS handshake with ${where} failed: ${describe(error as NodeJS.ErrnoException)}`,
    {
      cause: error,
    },
  );
}

/** Through a proxy: TCP to the proxy, its tunnel, then TLS over the same socket for wss:. */
function tunnelledTransport(options: ConnectOptions, tunnel: Tunnel, sink: TransportSink): Promise<Transport> {
  const { host, port, secure } = options;
  const where = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port} (through ${tunnel.display})`;
  const tlsOptions = secure ? tlsOptionsOf(options) : null;
  let signal = options.signal;
  return new Promise<Transport>((resolve, reject) => {
    const raw = net.connect({ host: tunnel.host, port: tunnel.port, noDelay: true });
    let socket: net.Socket = raw;
    let stage: 'proxy' | 'tunnel' | 'tls' | 'open' = 'proxy';
    let lastError: Error | undefined;
    const abort = () => socket.destroy();
    signal?.addEventListener('abort', abort, { once: true });
    const opened = (s: net.Socket) => {
      stage = 'open';
      signal?.removeEventListener('abort', abort);
      signal = undefined;
      s.on('data', (chunk: Buffer) => sink.onChunk(chunk));
      resolve(new NodeTransport(s, sink));
    };
    const toTunnel = (chunk: Buffer) => tunnel.receive(chunk);
    raw.once('connect', () => {
      stage = 'tunnel';
      raw.on('data', toTunnel);
      tunnel.open((bytes) => raw.write(bytes));
    });
    raw.on('error', (error: NodeJS.ErrnoException) => {
      lastError = error;
      if (stage === 'proxy') reject(tunnel.unreachable(describe(error), error));
    });
    raw.on('close', () => {
      if (stage === 'tunnel') tunnel.closed(lastError);
      else if (stage === 'open' && socket === raw) sink.onClose(lastError);
    });
    tunnel.opened.then(() => {
      raw.off('data', toTunnel);
      if (!tlsOptions) {
        opened(raw);
        return;
      }
      stage = 'tls';
      const secured = tls.connect({ socket: raw, ...tlsOptions });
      socket = secured;
      secured.once('secureConnect', () => opened(secured));
      secured.on('error', (error: Error) => {
        lastError = error;
        if (stage === 'tls') reject(tlsFailure(where, error));
      });
      secured.on('close', () => {
        if (stage === 'open') sink.onClose(lastError);
        else reject(new WebSocketError('ERR_TLS', `Connection to ${where} closed during the TLS handshake`));
      });
    }, reject);
  });
}

export const nodeTransport: TransportFactory = (options: ConnectOptions, sink: TransportSink) => {
  if (options.tunnel) return tunnelledTransport(options, options.tunnel, sink);
  const { host, port, secure } = options;
  const signal = options.signal;
  const tlsOptions = secure ? { host, port, ...tlsOptionsOf(options) } : null;
  return new Promise<Transport>((resolve, reject) => {
    // Reads land in WASM memory: no buffer per read for the collector (over TLS at 100 KB, Node's
    // 16 KiB 'data' buffers brought a full collection every ~110 ms and ~40 % more CPU per round trip).
    const onread = { buffer: readInto(sink), callback: onSocketRead };
    const socket: net.Socket = tlsOptions
      ? tls.connect(TLS_ONREAD ? ({ ...tlsOptions, onread } as tls.ConnectionOptions) : tlsOptions) // (Node's types lack it)
      : net.connect({ host, port, noDelay: true, onread });
    (socket as SinkSocket)[kSink] = sink;
    if (tlsOptions && !TLS_ONREAD) socket.on('data', onSocketData);
    socket.setNoDelay(true);
    // The attempt's listeners, removed once open: an open connection keeps nothing of this scope.
    let tcpConnected = false;
    const abort = () => socket.destroy();
    const onConnect = () => {
      tcpConnected = true;
    };
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
      reject(
        secure && tcpConnected
          ? tlsFailure(where, error)
          : new WebSocketError('ERR_CONNECT', `Could not connect to ${where}: ${describe(error)}`, { cause: error }),
      );
    };
    const onClose = () => {
      reject(new WebSocketError('ERR_CONNECT', `Connection to ${host}:${port} closed while connecting`));
    };
    const onOpen = () => {
      signal?.removeEventListener('abort', abort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      socket.off('close', onClose);
      sinkTo(socket, sink);
      resolve(new NodeTransport(socket, sink));
    };
    if (tlsOptions) socket.once('connect', onConnect);
    socket.once(tlsOptions ? 'secureConnect' : 'connect', onOpen);
    socket.on('error', onError);
    socket.once('close', onClose);
    signal?.addEventListener('abort', abort, { once: true });
  });
};

/** A connected socket (accepted, or handed over by an HTTP server) whose events go to `sink`. */
export function socketTransport(socket: net.Socket, sink: TransportSink): Transport {
  sinkTo(socket, sink);
  socket.on('data', onSocketData);
  return new NodeTransport(socket, sink);
}

export function peerOf(socket: net.Socket): PeerAddress {
  return { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 };
}

type HandleHolder = { _handle: { useUserBuffer?: unknown } | null };

/**
 * An accepted socket, not reading yet (pauseOnConnect), whose reads go straight into the sink's buffer as a
 * client's do. Node takes `onread` only when a socket is made, not for the sockets a server makes: the
 * handle moves to a socket made with it, as Node's own child_process and cluster move handles (at 100 KB
 * a server's 'data' buffers brought a full collection every ~100 ms, and took twice the floor's CPU per
 * echo on Node 24). A handle that cannot read into a buffer (another runtime's node:net) keeps 'data'.
 */
function acceptedTransport(accepted: net.Socket, sink: TransportSink): Transport {
  const holder = accepted as unknown as HandleHolder;
  const handle = holder._handle;
  if (typeof handle?.useUserBuffer !== 'function') {
    accepted.setNoDelay(true);
    const transport = socketTransport(accepted, sink);
    accepted.resume();
    return transport;
  }
  holder._handle = null;
  accepted.destroy(); // handle-less: this only ends the server's count of it
  const socket = new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: { buffer: readInto(sink), callback: onSocketRead },
  } as net.SocketConstructorOpts);
  socket.setNoDelay(true);
  sinkTo(socket, sink);
  return new NodeTransport(socket, sink);
}

export const nodeListen: ListenFactory = (options, accept) =>
  new Promise((resolve, reject) => {
    const onSocket = (socket: net.Socket) => {
      socket.setNoDelay(true);
      accept((sink) => socketTransport(socket, sink), peerOf(socket));
    };
    const onPlainSocket = (socket: net.Socket) => {
      accept((sink) => acceptedTransport(socket, sink), peerOf(socket));
    };
    const { tls: secure } = options;
    const server = secure
      ? tls.createServer(
          // Its own handshake timeout (120 s by default) covers the TLS handshake: ours starts after it.
          {
            cert: secure.cert,
            key: secure.key,
            passphrase: secure.passphrase,
            handshakeTimeout: options.handshakeTimeout,
          },
          onSocket,
        )
      : net.createServer({ pauseOnConnect: true }, onPlainSocket);
    // A client whose TLS handshake fails or times out never becomes a connection. Node destroys the socket
    // of a failed one, not of one that timed out (a silent client stayed open for good): we do.
    server.on('tlsClientError', (_error: Error, socket: tls.TLSSocket) => socket.destroy());
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      // Errors once listening (EMFILE on accept, say) are Node's to retry: the server stays up.
      server.on('error', () => {});
      const address = server.address() as net.AddressInfo;
      resolve({ host: address.address, port: address.port, close: () => server.close() });
    });
  });
