// The package's public surface, shared by the runtime entry points (runtimes/*.ts).
import { openConnection, type Connection, type ConnectionListener } from './protocol/connection.ts';
import type { ClientOptions } from './protocol/options.ts';
import type { Platform } from './platform.ts';

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
