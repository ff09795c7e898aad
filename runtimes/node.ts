// Node: the sockets of node:net (reading straight into WASM memory through `onread`) and node:tls, client
// and server (node-sockets.ts), and the http/https upgrade event for handleUpgrade.
import type http from 'node:http';
import type net from 'node:net';
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
import { addField } from '../src/protocol/headers.ts';
import type { Platform } from '../src/platform.ts';
import { sha1Base64 } from './sha1.ts';
import { zlibCompressor } from './zlib-compressor.ts';
import type { UpgradeAdapter } from '../src/platform.ts';
import { nodeListen, nodeTransport, peerOf, socketTransport } from './node-sockets.ts';

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
