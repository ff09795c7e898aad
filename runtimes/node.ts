// Node: node:net (reading straight into WASM memory through `onread`) and node:tls; node:net and node:tls
// servers for serve() (node-sockets.ts), and the http/https upgrade event for handleUpgrade.
import type http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
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
import { addField } from '../src/protocol/headers.ts';
import type { Platform } from '../src/platform.ts';
import { sha1Base64 } from './sha1.ts';
import type { Tunnel } from '../src/proxy/tunnel.ts';
import { zlibCompressor } from './zlib-compressor.ts';
import type { ConnectOptions, Transport, TransportFactory, TransportSink } from '../src/transport.ts';
import type { UpgradeAdapter } from '../src/platform.ts';
import {
  NodeTransport,
  kSink,
  type SinkSocket,
  nodeListen,
  onSocketData,
  onSocketRead,
  peerOf,
  readInto,
  sinkTo,
  socketTransport,
} from './node-sockets.ts';

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
    const socket: net.Socket = tlsOptions
      ? tls.connect(tlsOptions)
      : net.connect({ host, port, noDelay: true, onread: { buffer: readInto(sink), callback: onSocketRead } });
    (socket as SinkSocket)[kSink] = sink;
    if (tlsOptions) socket.on('data', onSocketData);
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

/** Node's http/https upgrade event: the request Node parsed, its socket, and the bytes after its head. */
export const nodeUpgrade: UpgradeAdapter = (server, request, socket, head) => {
  const req = request as http.IncomingMessage;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) addField(headers, name, Array.isArray(value) ? value.join(', ') : value);
  }
  const s = socket as net.Socket;
  s.setNoDelay(true);
  const parsed = { method: req.method ?? '', target: req.url ?? '/', version: req.httpVersion, headers };
  const bytes = head instanceof Uint8Array ? head : new Uint8Array(0);
  return server.adopt((sink) => socketTransport(s, sink), peerOf(s), parsed, bytes);
};

const nodePlatform: Platform = {
  transport: nodeTransport,
  listen: nodeListen,
  upgrade: nodeUpgrade,
  compressor: zlibCompressor,
  sha1Base64,
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
/** A server with ws's essentials (on('connection'), clients, close(), handleUpgrade()); each connection is a WebSocket. */
export class WebSocketServer extends BaseWebSocketServer {
  constructor(options: WebSocketServerOptions, callback?: () => void) {
    super(options, callback, nodePlatform, adoptInto(WebSocket));
  }
}
export const connect: Connect = bindConnect(nodePlatform);
/** The low-latency server: listens, and calls `handlers` with each connection. */
export const serve: Serve = bindServe(nodePlatform);
export * from '../src/api.ts';
