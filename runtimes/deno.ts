// Deno: Deno.connect / Deno.startTls, and Deno.listen for servers (node:tls for TLS: see denoListen). Each
// connection reads into a buffer of its own, sized to what it receives, and hands the bytes over to be
// copied once into the shared receive area: a pending read holds its buffer until data comes, so reading
// into WASM memory would cost every idle connection a receive buffer there, and reads that run
// concurrently could not share one area.
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
import { sha1Base64 } from './sha1.ts';
import { pakoCompressor } from '../src/deflate/pako-compressor.ts';
import type { Tunnel } from '../src/proxy/tunnel.ts';
import type { ConnectOptions, Transport, TransportFactory, TransportSink } from '../src/transport.ts';
import type { Accept, ListenFactory } from '../src/listener.ts';
import { nodeListen, nodeTransport } from './node-sockets.ts';
import { WriteBuffers } from './write-buffers.ts';

const READ_MIN = 1024;
const READ_MAX = 64 * 1024; // the shared receive area: a larger read would be pushed in pieces anyway
// Shrinking on the first small read made traffic that alternates small and full reads (TLS records)
// reallocate 1 → 4 → 16 → 64 KiB again and again: a hostile server streaming over TLS raised the
// client's RSS by ~95 MiB in 3 s (found by the fuzzer); with this many in a row, by ~4.
const SHRINK_AFTER = 8;

// What writes are copied into, shared by the thread's connections (write-buffers.ts says why). A pooled
// buffer may be up to twice the write's size: a connection takes them while less than POOLED_UNDER bytes are
// queued, and exact copies beyond, so what a backlog holds stays its own size (bounded by maxBufferedAmount)
// plus at most POOLED_UNDER and the rounding up of the write that crossed it.
const writeBuffers = new WriteBuffers();
const POOLED_UNDER = 64 * 1024;

class DenoTransport implements Transport {
  // The read buffer: grows while reads fill it, back to READ_MIN after SHRINK_AFTER small reads in a row.
  private readBuffer = new Uint8Array(READ_MIN);
  private smallReads = 0;
  // Writes in flight, in order: Deno reads each view until its write resolves.
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private closed = false;
  // Set while reading is paused: the read loop waits on it before its next read.
  private paused: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(
    private readonly conn: Deno.Conn,
    private readonly sink: TransportSink,
  ) {
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    let error: Error | undefined;
    try {
      for (;;) {
        if (this.paused) await this.paused.promise;
        if (this.closed) break;
        const buffer = this.readBuffer;
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.sink.onChunk(buffer.subarray(0, n));
        if (n === buffer.length && n < READ_MAX) {
          this.readBuffer = new Uint8Array(n * 4);
          this.smallReads = 0;
        } else if (n < READ_MIN / 2 && buffer.length > READ_MIN) {
          if (++this.smallReads === SHRINK_AFTER) {
            this.readBuffer = new Uint8Array(READ_MIN);
            this.smallReads = 0;
          }
        } else this.smallReads = 0;
      }
    } catch (e) {
      if (!this.closed) error = e as Error;
    }
    this.destroy();
    this.sink.onClose(error);
  }

  write(data: Uint8Array): boolean {
    // Copied: a write waits for earlier ones and for the socket, and WASM memory may grow meanwhile
    // (the receive region grows as messages arrive), which detaches a view of it: its bytes would be lost.
    this.queue.push(writeBuffers.copy(data, this.queued >= POOLED_UNDER));
    this.queued += data.length;
    if (this.queue.length === 1) void this.writeLoop();
    return true;
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const written = this.queue[0];
        let head = written;
        while (head.length > 0) {
          const n = await this.conn.write(head);
          this.queued -= n;
          head = head.subarray(n);
        }
        this.queue.shift();
        writeBuffers.giveBack(written);
      }
    } catch {
      this.queue.length = 0;
      this.queued = 0;
      this.destroy();
      return;
    }
    if (this.ending) this.closeWrite();
    this.sink.onDrain();
  }

  get bufferedAmount(): number {
    return this.queued;
  }
  end(): void {
    this.ending = true;
    if (this.queue.length === 0) this.closeWrite();
  }
  private ending = false;
  private closeWrite(): void {
    if (this.closed) return;
    (this.conn as Deno.TcpConn).closeWrite().catch(() => this.destroy());
  }
  pause(): void {
    if (this.paused) return;
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    this.paused = { promise, resolve };
  }
  resume(): void {
    const paused = this.paused;
    this.paused = null;
    paused?.resolve();
  }
  destroy(): void {
    this.resume(); // a paused read loop ends
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/** A proxy's tunnel over `conn`: returns once it is open, with no read pending; throws its ERR_PROXY. */
async function runTunnel(conn: Deno.Conn, tunnel: Tunnel): Promise<void> {
  let writes = Promise.resolve();
  const writeAll = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; ) at += await conn.write(bytes.subarray(at));
  };
  tunnel.open((bytes) => {
    writes = writes.then(() => writeAll(bytes)).catch((error: Error) => tunnel.closed(error));
  });
  const buffer = new Uint8Array(1024);
  try {
    // receive() settles the tunnel synchronously: once it has, no read is left pending on the socket.
    while (!tunnel.settled) {
      const n = await conn.read(buffer);
      if (n === null) tunnel.closed();
      else tunnel.receive(buffer.subarray(0, n));
    }
  } catch (error) {
    tunnel.closed(error as Error);
  }
  await tunnel.opened;
}

export const denoTransport: TransportFactory = async (options: ConnectOptions, sink: TransportSink) => {
  const { host, port, secure } = options;
  // A client certificate (Deno.startTls takes none, and Deno.connectTls leaves Nagle on) or no verification
  // (Deno has no per-connection switch): node:tls, which does both (node-sockets.ts).
  if (secure && (options.cert !== undefined || !options.rejectUnauthorized)) return nodeTransport(options, sink);
  const where = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const caCerts = options.ca === undefined ? undefined : Array.isArray(options.ca) ? options.ca : [options.ca];
  const { tunnel } = options;
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: tunnel?.host ?? host, port: tunnel?.port ?? port, transport: 'tcp' });
  } catch (error) {
    const reason = (error as Error).message;
    throw tunnel
      ? tunnel.unreachable(reason, error)
      : new WebSocketError('ERR_CONNECT', `Could not connect to ${where}: ${reason}`, { cause: error });
  }
  (conn as Deno.TcpConn).setNoDelay(true);
  if (options.signal?.aborted) {
    conn.close();
    throw new WebSocketError('ERR_CONNECT', `Connecting to ${where} was aborted`);
  }
  // Given up while the TLS handshake runs (handshake timeout, close()): close the socket, which ends the handshake.
  let current: Deno.Conn = conn;
  const onAbort = () => {
    try {
      current.close();
    } catch {
      // already closed
    }
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (tunnel) {
    try {
      await runTunnel(conn, tunnel);
    } catch (error) {
      options.signal?.removeEventListener('abort', onAbort);
      onAbort();
      throw error;
    }
  }
  if (secure) {
    let tlsConn: Deno.TlsConn | undefined;
    try {
      tlsConn = await Deno.startTls(conn as Deno.TcpConn, { hostname: options.servername, caCerts });
      current = tlsConn;
      if (options.signal?.aborted) onAbort();
      await tlsConn.handshake();
      conn = tlsConn;
    } catch (error) {
      // startTls takes the TCP connection over: close what is open now.
      try {
        (tlsConn ?? conn).close();
      } catch {
        // already closed
      }
      throw new WebSocketError('ERR_TLS', `TLS handshake with ${where} failed: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
  options.signal?.removeEventListener('abort', onAbort);
  if (options.signal?.aborted) {
    conn.close();
    throw new WebSocketError('ERR_CONNECT', `Connecting to ${where} was aborted`);
  }
  return new DenoTransport(conn, sink);
};

/** Accepts until the listener is closed. */
async function acceptLoop(listener: Deno.TcpListener, accept: Accept): Promise<void> {
  for (;;) {
    let conn: Deno.TcpConn;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) return;
      // Out of descriptors, a connection reset before it was accepted: the listener goes on.
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    try {
      conn.setNoDelay(true);
    } catch {
      // reset already: its first read says so
    }
    const address = conn.remoteAddr;
    accept((sink) => new DenoTransport(conn, sink), { remoteAddress: address.hostname, remotePort: address.port });
  }
}

// TLS through node:tls, whose sockets can turn Nagle off, which a Deno.TlsConn cannot (node-sockets.ts).
export const denoListen: ListenFactory = async (options, accept) => {
  if (options.tls) return nodeListen(options, accept);
  const listener = Deno.listen({ hostname: options.host, port: options.port, transport: 'tcp' });
  void acceptLoop(listener, accept);
  const address = listener.addr as Deno.NetAddr;
  return {
    host: address.hostname,
    port: address.port,
    close: () => {
      try {
        listener.close();
      } catch {
        // already closed
      }
    },
  };
};

const denoPlatform: Platform = {
  transport: denoTransport,
  listen: denoListen,
  compressor: pakoCompressor,
  sha1Base64,
  env: (name) => Deno.env.get(name),
};

export class WebSocket extends BaseWebSocket {
  constructor(url: string | URL, protocols: string | string[] = [], options: ClientOptions = {}) {
    super(url, protocols, options, denoPlatform);
  }
}
/** The WHATWG WebSocketStream proposal (as Deno and undici ship it). */
export class WebSocketStream extends BaseWebSocketStream {
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    super(url, options, denoPlatform);
  }
}
/** A server with ws's essentials (on('connection'), clients, close(), handleUpgrade()); each connection is a WebSocket. */
export class WebSocketServer extends BaseWebSocketServer {
  constructor(options: WebSocketServerOptions, callback?: () => void) {
    super(options, callback, denoPlatform, adoptInto(WebSocket));
  }
}
export const connect: Connect = bindConnect(denoPlatform);
/** The low-latency server: listens, and calls `handlers` with each connection. */
export const serve: Serve = bindServe(denoPlatform);
export * from '../src/api.ts';
