// Binds the runtime-neutral client to one runtime's transport: the package's two APIs.
import { BaseWebSocket } from './websocket.ts';
import { openConnection, type Connection, type ConnectionListener } from './protocol/connection.ts';
import type { ClientOptions } from './protocol/options.ts';
import type { TransportFactory } from './transport.ts';

export function createClient(factory: TransportFactory) {
  class WebSocket extends BaseWebSocket {
    constructor(url: string | URL, protocols?: string | string[], options?: ClientOptions) {
      super(url, protocols, options, factory);
    }
  }
  function connect(url: string | URL, listener: ConnectionListener, options: ClientOptions = {}): Promise<Connection> {
    return openConnection(url, listener, options, factory);
  }
  return { WebSocket, connect };
}

export type { Connection, ConnectionListener } from './protocol/connection.ts';
export type { ClientOptions } from './protocol/options.ts';
export { WebSocketError, type WebSocketErrorCode } from './protocol/errors.ts';
export { WebSocketCloseEvent, WebSocketErrorEvent, type BinaryType } from './websocket.ts';
export { CONNECTING, OPEN, CLOSING, CLOSED } from './protocol/connection.ts';
