// The server's callbacks (the low-latency API): each gets the connection it is about. Views passed to
// them point into WASM memory and stay valid until the callback returns, whatever it does meanwhile;
// copy one to keep it.
import type { WebSocketError } from '../protocol/errors.ts';
import type { ServerConnection } from './server-connection.ts';
import type { UpgradeRequest } from './upgrade-request.ts';

/** A request that was not upgraded: what was answered, and to whom. */
export interface RefusedRequest {
  status: number;
  reason: string;
  remoteAddress: string;
  remotePort: number;
  /** The request, when it was read and parsed (null for one that was malformed, too large or late). */
  request: UpgradeRequest | null;
  /** For a 500: what threw (a callback such as verifyOrigin or handleProtocols); the client is not told. */
  error?: unknown;
}

export interface ServerHandlers {
  /** The 101 has been sent: the connection is open. Messages that came with the request follow. */
  onOpen?(connection: ServerConnection, request: UpgradeRequest): void;
  /** A message; `data` is a view into WASM memory, valid only during this call: copy it to keep it. */
  onMessage?(connection: ServerConnection, data: Uint8Array, isText: boolean): void;
  onPing?(connection: ServerConnection, data: Uint8Array): void;
  onPong?(connection: ServerConnection, data: Uint8Array): void;
  /** Everything buffered for this connection has been sent. */
  onDrain?(connection: ServerConnection): void;
  onError?(connection: ServerConnection, error: WebSocketError): void;
  /** The connection is closed: the client's close code and reason, or 1006 when none was received. */
  onClose?(connection: ServerConnection, code: number, reason: string, wasClean: boolean): void;
  /** A request was answered with an HTTP error (400, 403, 408, 426, 431, 503…) instead of a 101. */
  onRefused?(refused: RefusedRequest): void;
}
