// Options shared by connect() and the WebSocket class.
import type { Backend } from '../codec/loader.ts';

export interface ClientOptions {
  /** Subprotocols to offer. */
  protocols?: string | string[];
  /** Extra request headers for the opening handshake. */
  headers?: Record<string, string>;
  /** Milliseconds to connect and complete the opening handshake (default 10000). */
  handshakeTimeout?: number;
  /** Milliseconds to wait for the peer to finish the close handshake before dropping the socket (default 5000). */
  closeTimeout?: number;
  /** Largest message accepted, bytes (default 64 MiB); larger ones close the connection with 1009. */
  maxMessage?: number;
  /** Most bytes buffered for sending before the connection is failed (default 64 MiB). */
  maxBufferedAmount?: number;
  /** send() returns false once this many bytes are buffered (default 1 MiB): wait for onDrain. */
  highWaterMark?: number;
  /** wss: verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** wss: extra trusted CA certificates, PEM. */
  ca?: string | string[];
  /** wss: server name for SNI and verification (default: the URL's host). */
  servername?: string;
  /** Codec backend: 'as' (AssemblyScript, default) or 'c' (Emscripten). */
  backend?: Backend;
}

export const defaults = {
  handshakeTimeout: 10_000,
  closeTimeout: 5_000,
  maxBufferedAmount: 64 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
} as const;
