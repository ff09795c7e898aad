// Bun: Bun.connect (plain and TLS), and Bun.listen for serve(). Bun hands over its own buffers: each chunk
// is copied once into WASM memory.
import {
  BaseWebSocket,
  BaseWebSocketStream,
  BaseWebSocketServer,
  adoptInto,
  bindConnect,
  bindServe,
  type ClientOptions,
  type Connect,
  type Serve,
  type WebSocketStreamOptions,
  type WebSocketServerOptions,
} from '../src/api.ts';
import { WebSocketError } from '../src/protocol/errors.ts';
import type { Platform } from '../src/platform.ts';
import type { Tunnel } from '../src/proxy/tunnel.ts';
import { zlibCompressor } from './zlib-compressor.ts';
import type { AttemptSignal, ConnectOptions, Transport, TransportFactory, TransportSink } from '../src/transport.ts';
import type { ListenFactory } from '../src/listener.ts';

/** An accepted socket: where its events go once the server has opened it. */
interface Accepted {
  sink: TransportSink | null;
  transport: BunTransport | null;
}

// A tunnel's raw socket: its drain matters to no one.
const NO_DRAIN = { onDrain(): void {} };

class BunTransport implements Transport {
  // What the kernel did not take yet, copied: Bun's write() does not buffer.
  private readonly queue: Uint8Array[] = [];
  private queued = 0;

  constructor(
    private readonly socket: Bun.Socket<Dialing> | Bun.Socket<Accepted>,
    /** Told when the socket can take more and nothing is queued. */
    private readonly sink: Pick<TransportSink, 'onDrain'>,
    private readonly secure = false,
  ) {}

  write(data: Uint8Array): boolean {
    if (this.queued === 0) {
      const written = this.socket.write(data);
      if (written >= data.length) return true;
      data = data.subarray(Math.max(written, 0));
    }
    this.queue.push(data.slice());
    this.queued += data.length;
    return true;
  }

  /** Bun's drain: the socket can take more. */
  flush(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const written = this.socket.write(head);
      if (written <= 0) return;
      this.queued -= written;
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        return;
      }
      this.queue.shift();
    }
    if (this.ending) this.closeWrites();
    this.sink.onDrain();
  }

  get bufferedAmount(): number {
    return this.queued;
  }
  end(): void {
    // What is still queued (a close frame, say) goes first.
    if (this.queued > 0) this.ending = true;
    else this.closeWrites();
  }
  private ending = false;
  /**
   * Our FIN, reading on until the peer closes (its close frame may still come). Bun's end() closes both
   * ways, and closing with the peer's bytes unread resets the connection, which can discard our own
   * close frame from the peer's receive buffer before it reads it. TLS sockets keep end(): their
   * shutdown would skip TLS's own close.
   */
  private closeWrites(): void {
    if (this.secure) this.socket.end();
    else this.socket.shutdown();
  }
  destroy(): void {
    this.socket.terminate();
  }
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }
}

/**
 * A client socket's state, in its `data`: the handlers are shared by every connection. (Eight closures
 * over the connect scope per socket, which Bun keeps for the socket's life, cost ~1 KB of heap each
 * connection.)
 */
interface Dialing {
  sink: TransportSink;
  secure: boolean;
  transport: BunTransport | null;
  /** Until the attempt has settled (open, or failed): dropped then, so an open connection keeps none of it. */
  attempt: Attempt | null;
  lastError: Error | undefined;
}

/** How a connection attempt settles. */
interface Attempt {
  where: string;
  /** The socket once connected, until open: given up (handshake timeout, close()) means closed. */
  socket: DialSocket | null;
  rejectUnauthorized: boolean;
  signal: AttemptSignal | undefined;
  resolve(transport: Transport): void;
  reject(error: WebSocketError): void;
}
type DialSocket = Bun.Socket<Dialing>;

/** The socket is open (TLS: its handshake done): the attempt resolves, unless it was given up. */
function opened(socket: DialSocket): void {
  const dialing = socket.data;
  const attempt = dialing.attempt;
  if (attempt === null) return;
  if (attempt.signal?.aborted) {
    socket.terminate();
    return;
  }
  dialing.attempt = null;
  socket.setNoDelay(true);
  dialing.transport = new BunTransport(socket, dialing.sink, dialing.secure);
  attempt.resolve(dialing.transport);
}

/** The attempt fails with `error`, once. */
function failed(dialing: Dialing, error: WebSocketError): void {
  const attempt = dialing.attempt;
  if (attempt === null) return;
  dialing.attempt = null;
  attempt.reject(error);
}

const dialHandlers: Bun.SocketHandler<Dialing> = {
  open(socket) {
    const { attempt, secure } = socket.data;
    if (attempt === null || attempt.signal?.aborted) socket.terminate();
    else if (secure)
      attempt.socket = socket; // its TLS handshake runs now
    else opened(socket);
  },
  handshake(socket, success, authorizationError) {
    const attempt = socket.data.attempt;
    if (attempt === null) return;
    if (success || (authorizationError && !attempt.rejectUnauthorized)) opened(socket);
    else {
      const reason = authorizationError?.message ?? 'not authorized';
      failed(
        socket.data,
        new WebSocketError('ERR_TLS', `TLS handshake with ${attempt.where} failed: ${reason}`, {
          cause: authorizationError,
        }),
      );
      socket.terminate();
    }
  },
  data(socket, data) {
    socket.data.sink.onChunk(data);
  },
  end(socket) {
    // The peer's FIN: Bun keeps our side open unless told; nothing more can come, so close it.
    socket.end();
  },
  drain(socket) {
    socket.data.transport?.flush();
  },
  error(socket, error) {
    const dialing = socket.data;
    dialing.lastError = error;
    const where = dialing.attempt?.where;
    failed(
      dialing,
      new WebSocketError(
        dialing.secure ? 'ERR_TLS' : 'ERR_CONNECT',
        `Connection to ${where} failed: ${error.message}`,
        {
          cause: error,
        },
      ),
    );
  },
  connectError(socket, error) {
    const code = (error as { code?: string }).code;
    const where = socket.data.attempt?.where;
    failed(
      socket.data,
      new WebSocketError('ERR_CONNECT', `Could not connect to ${where}: ${code ? `${code}: ` : ''}${error.message}`, {
        cause: error,
      }),
    );
  },
  close(socket, error) {
    const dialing = socket.data;
    if (dialing.transport) {
      dialing.sink.onClose(error ?? dialing.lastError);
      return;
    }
    const attempt = dialing.attempt;
    if (attempt === null) return;
    failed(
      dialing,
      new WebSocketError(
        dialing.secure ? 'ERR_TLS' : 'ERR_CONNECT',
        `Connection to ${attempt.where} closed while connecting${error ? `: ${error.message}` : ''}`,
      ),
    );
  },
};

export const bunTransport: TransportFactory = (options: ConnectOptions, sink: TransportSink) =>
  new Promise<Transport>((resolve, reject) => {
    const { host, port, secure, signal } = options;
    const where = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const dialing: Dialing = {
      sink,
      secure,
      transport: null,
      attempt: { where, socket: null, rejectUnauthorized: options.rejectUnauthorized, signal, resolve, reject },
      lastError: undefined,
    };
    signal?.addEventListener('abort', () => dialing.attempt?.socket?.terminate(), { once: true });
    const tls = secure
      ? {
          serverName: options.servername,
          rejectUnauthorized: options.rejectUnauthorized,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          passphrase: options.passphrase,
        }
      : undefined;
    const { tunnel } = options;
    const connected = tunnel
      ? Bun.connect({ hostname: tunnel.host, port: tunnel.port, data: dialing, socket: tunnelHandlers(tunnel) })
      : Bun.connect({ hostname: host, port, tls, data: dialing, socket: dialHandlers });
    connected.catch((error: Error) => {
      const reason = error.message;
      failed(
        dialing,
        tunnel
          ? tunnel.unreachable(reason, error)
          : new WebSocketError('ERR_CONNECT', `Could not connect to ${where}: ${reason}`, { cause: error }),
      );
    });

    /**
     * Through a proxy: the raw socket to it runs the tunnel, then carries the connection (ws:) or, once
     * upgraded, the TLS socket's bytes, which the shared handlers then serve.
     */
    function tunnelHandlers(tunnel: Tunnel): Bun.SocketHandler<Dialing> {
      let stage: 'proxy' | 'tunnel' | 'plain' | 'tls' = 'proxy';
      let raw: BunTransport | null = null;
      return {
        open(socket) {
          if (signal?.aborted || dialing.attempt === null) return socket.terminate();
          dialing.attempt.socket = socket;
          stage = 'tunnel';
          raw = new BunTransport(socket, NO_DRAIN);
          tunnel.open((bytes) => raw?.write(bytes));
          tunnel.opened.then(
            () => {
              raw = null;
              if (!tls) {
                stage = 'plain';
                opened(socket);
              } else {
                stage = 'tls';
                socket.upgradeTLS({ tls, data: dialing, socket: dialHandlers });
              }
            },
            (error: WebSocketError) => failed(dialing, error),
          );
        },
        data(socket, data) {
          if (stage === 'tunnel') tunnel.receive(data);
          else if (stage === 'plain') dialHandlers.data?.(socket, data);
        },
        drain(socket) {
          if (stage === 'tunnel') raw?.flush();
          else if (stage === 'plain') dialHandlers.drain?.(socket);
        },
        end(socket) {
          socket.end();
        },
        error(_socket, error) {
          dialing.lastError = error;
        },
        connectError(_socket, error) {
          const code = (error as { code?: string }).code;
          failed(dialing, tunnel.unreachable(`${code ? `${code}: ` : ''}${error.message}`, error));
        },
        close(socket, error) {
          if (stage === 'tunnel') tunnel.closed(error ?? dialing.lastError);
          else if (stage === 'plain') dialHandlers.close?.(socket, error);
        },
      };
    }
  });

export const bunListen: ListenFactory = async (options, accept) => {
  const { tls } = options;
  const listener = Bun.listen<Accepted>({
    hostname: options.host,
    port: options.port,
    tls: tls ? { cert: tls.cert, key: tls.key, passphrase: tls.passphrase } : undefined,
    socket: {
      open(socket) {
        socket.setNoDelay(true);
        const accepted: Accepted = { sink: null, transport: null };
        socket.data = accepted;
        accept(
          (sink) => {
            accepted.sink = sink;
            accepted.transport = new BunTransport(socket, sink, tls !== undefined);
            return accepted.transport;
          },
          { remoteAddress: socket.remoteAddress, remotePort: (socket as { remotePort?: number }).remotePort ?? 0 },
        );
      },
      data(socket, data) {
        socket.data.sink?.onChunk(data);
      },
      // Without a handshake handler, Bun 1.4 calls close() on a TLS socket whose handshake is under way and
      // keeps the socket open: a client that never finished its handshake held its socket for good.
      handshake() {},
      drain(socket) {
        socket.data.transport?.flush();
      },
      end(socket) {
        socket.end();
      },
      error(socket, error) {
        (socket.data as Accepted & { error?: Error }).error = error;
      },
      close(socket, error) {
        const accepted = socket.data as Accepted & { error?: Error };
        accepted.sink?.onClose(error ?? accepted.error);
      },
    },
  });
  return { host: listener.hostname, port: listener.port, close: () => listener.stop() };
};

/** base64(SHA-1(text)) by Bun's own hasher: ~0.2 µs, against node:crypto's 0.5 and its ~480 KB of heap. */
const sha1Base64 = (text: string): string => Bun.SHA1.hash(text, 'base64');

const bunPlatform: Platform = {
  transport: bunTransport,
  listen: bunListen,
  compressor: zlibCompressor,
  sha1Base64,
  env: (name) => process.env[name],
};

export class WebSocket extends BaseWebSocket {
  constructor(url: string | URL, protocols: string | string[] = [], options: ClientOptions = {}) {
    super(url, protocols, options, bunPlatform);
  }
}
/** The WHATWG WebSocketStream proposal (as Deno and undici ship it). */
export class WebSocketStream extends BaseWebSocketStream {
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    super(url, options, bunPlatform);
  }
}
/** A server with ws's essentials (on('connection'), clients, close(), handleUpgrade()); each connection is a WebSocket. */
export class WebSocketServer extends BaseWebSocketServer {
  constructor(options: WebSocketServerOptions, callback?: () => void) {
    super(options, callback, bunPlatform, adoptInto(WebSocket));
  }
}
export const connect: Connect = bindConnect(bunPlatform);
/** The low-latency server: listens, and calls `handlers` with each connection. */
export const serve: Serve = bindServe(bunPlatform);
export * from '../src/api.ts';
