// The package's public surface, shared by the runtime entry points (runtimes/*.ts).
import { openConnection, type Connection, type ConnectionListener } from './protocol/connection.ts';
import type { ClientOptions } from './protocol/options.ts';
import type { Platform } from './platform.ts';
import type { ServerHandlers } from './server/handlers.ts';
import type { ServerOptions } from './server/options.ts';
import { ServerCore } from './server/server-core.ts';
import type { ServerConnection } from './server/server-connection.ts';
import { BaseWebSocket } from './websocket.ts';
import type { AdoptWebSocket } from './websocket-server.ts';

/** The low-latency API: opens a connection and resolves once the handshake is done. */
export type Connect = (url: string | URL, listener: ConnectionListener, options?: ClientOptions) => Promise<Connection>;

/** connect() for one runtime: the low-latency API. */
export function bindConnect(platform: Platform): Connect {
  return (url: string | URL, listener: ConnectionListener, options: ClientOptions = {}): Promise<Connection> =>
    openConnection(url, listener, options, platform);
}

export {
  BaseWebSocket,
  WebSocketCloseEvent,
  WebSocketErrorEvent,
  type BinaryType,
  type CloseEventInit,
  type WebSocketErrorEventInit,
  type WebSocketEventMap,
} from './websocket.ts';
export {
  BaseWebSocketStream,
  READ_AHEAD,
  type WebSocketCloseInfo,
  type WebSocketOpenInfo,
  type WebSocketStreamOptions,
} from './websocket-stream.ts';
export type { Connection, ConnectionListener } from './protocol/connection.ts';
export type { ClientOptions } from './protocol/options.ts';
export { WebSocketError, type WebSocketErrorCode, type HandshakeResponse } from './protocol/errors.ts';
export { CONNECTING, OPEN, CLOSING, CLOSED } from './protocol/connection.ts';

/** A listening server: its address, its open connections, and a graceful close. */
export interface Server {
  readonly host: string;
  readonly port: number;
  /** ws:// or wss://, the address and the port. */
  readonly url: string;
  /** The open connections. */
  readonly clients: ReadonlySet<ServerConnection>;
  /** Stops accepting, closes every connection with `code` (default 1001) and resolves once all are closed. */
  close(code?: number, reason?: string): Promise<void>;
  /** For an HTTP server's upgrade event (Node's http/https): `(req, socket, head) => server.handleUpgrade(req, socket, head)`. */
  handleUpgrade(request: unknown, socket: unknown, head: unknown): ServerConnection;
}

export type Serve = (options: ServerOptions & { noServer?: boolean }, handlers: ServerHandlers) => Promise<Server>;

/**
 * serve() for one runtime: the low-latency server API. Listens on `host`:`port` (or, with `noServer`,
 * only answers what handleUpgrade hands it).
 */
export function bindServe(platform: Platform): Serve {
  return async (options, handlers) => {
    const { noServer, ...rest } = options ?? {};
    const server = new ServerCore(rest, handlers, platform);
    if (!noServer) await server.listen();
    return server;
  };
}

export { ServerConnection } from './server/server-connection.ts';
export type { ServerHandlers, RefusedRequest } from './server/handlers.ts';
export type { ServerOptions } from './server/options.ts';
export type { UpgradeRequest } from './server/upgrade-request.ts';
export type { ServerDeflateOptions } from './deflate/server-negotiation.ts';
export type { ServerTlsOptions } from './listener.ts';

export { BaseWebSocketServer, type WebSocketServerOptions } from './websocket-server.ts';

/** How a runtime's WebSocketServer makes its connections: instances of the runtime's WebSocket class. */
export function adoptInto(cls: typeof BaseWebSocket): AdoptWebSocket {
  // The base constructor takes the adoption; the instance is the runtime's class (instanceof WebSocket).
  return (adopted) => Reflect.construct(BaseWebSocket, ['ws://server', [], {}, adopted], cls) as BaseWebSocket;
}
