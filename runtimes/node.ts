// Node: node:net (reading straight into WASM memory through `onread`) and node:tls.
import net from 'node:net';
import tls from 'node:tls';
import {
  BaseWebSocket,
  BaseWebSocketStream,
  bindConnect,
  type ClientOptions,
  type Connect,
  type WebSocketStreamOptions,
} from '../src/api.ts';
import { WebSocketError } from '../src/protocol/errors.ts';
import type { Platform } from '../src/platform.ts';
import type { Tunnel } from '../src/proxy/tunnel.ts';
import { zlibCompressor } from './zlib-compressor.ts';
import type { ConnectOptions, Transport, TransportFactory, TransportSink } from '../src/transport.ts';

class NodeTransport implements Transport {
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
  // Only these are kept by the socket's listeners, not the options (an open connection keeps nothing of
  // the abort signal, nor the signal anything of it).
  const { host, port, secure } = options;
  let signal = options.signal;
  const tlsOptions = secure ? { host, port, ...tlsOptionsOf(options) } : null;
  return new Promise<Transport>((resolve, reject) => {
    let socket: net.Socket;
    if (tlsOptions) {
      socket = tls.connect(tlsOptions);
      socket.on('data', (chunk: Buffer) => sink.onChunk(chunk));
    } else {
      socket = net.connect({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: () => sink.readBuffer(),
          callback: (n: number) => {
            sink.onRead(n);
            return true;
          },
        },
      });
    }
    socket.setNoDelay(true);
    let open = false;
    let tcpConnected = false;
    let lastError: Error | undefined;
    socket.once('connect', () => (tcpConnected = true));
    const abort = () => socket.destroy();
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      open = true;
      signal?.removeEventListener('abort', abort);
      signal = undefined;
      resolve(new NodeTransport(socket, sink));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      lastError = error;
      if (open) return;
      const where = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
      reject(
        secure && tcpConnected
          ? tlsFailure(where, error)
          : new WebSocketError('ERR_CONNECT', `Could not connect to ${where}: ${describe(error)}`, { cause: error }),
      );
    });
    socket.on('close', () => {
      if (open) sink.onClose(lastError);
      else reject(new WebSocketError('ERR_CONNECT', `Connection to ${host}:${port} closed while connecting`));
    });
    signal?.addEventListener('abort', abort, { once: true });
  });
};

const nodePlatform: Platform = {
  transport: nodeTransport,
  compressor: zlibCompressor,
  env: (name) => process.env[name],
};

export class WebSocket extends BaseWebSocket {
  constructor(url: string | URL, protocols: string | string[] = [], options: ClientOptions = {}) {
    super(url, protocols, options, nodePlatform);
  }
}
/** The WHATWG WebSocketStream proposal (as Deno and undici ship it). */
export class WebSocketStream extends BaseWebSocketStream {
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    super(url, options, nodePlatform);
  }
}
export const connect: Connect = bindConnect(nodePlatform);
export * from '../src/api.ts';
