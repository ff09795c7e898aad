// Options shared by connect() and the WebSocket class, and their validation: a bad option is a
// TypeError or RangeError naming it, thrown before anything connects.
import type { Backend } from '../codec/loader.ts';
import { type PerMessageDeflateOptions, validateDeflateOptions } from '../deflate/negotiation.ts';
import { headersProblem } from './headers.ts';

export interface ClientOptions {
  /** Subprotocols to offer. */
  protocols?: string | string[];
  /**
   * Extra request headers for the opening handshake. Names are RFC 9110 tokens, values have no control
   * characters; Host, Upgrade, Connection and Sec-WebSocket-* are the handshake's own and are refused.
   */
  headers?: Record<string, string>;
  /** Milliseconds to connect and complete the opening handshake (default 10000; 0 < t ≤ 2^31-1). */
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
  /** wss: a client certificate (PEM, its chain) for servers that require one, with its `key` (PEM). */
  cert?: string;
  key?: string;
  /** wss: the passphrase of an encrypted `key`. */
  passphrase?: string;
  /** Codec backend: 'as' (AssemblyScript, default) or 'c' (Emscripten). */
  backend?: Backend;
  /**
   * permessage-deflate (RFC 7692): offered by default, as ws and Bun do; false does not offer it; an
   * object sets its parameters and the size under which messages are sent uncompressed.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * Aborts connecting at any stage (ERR_ABORTED, the socket closed); once open, starts the close
   * handshake (1000). A connection keeps no listener on it once it is closed.
   */
  signal?: AbortSignal;
  /** Follow 301, 302, 303, 307 and 308 answers to the handshake (default false, as the WHATWG standard). */
  followRedirects?: boolean;
  /** The most redirects followed (default 10); one more is ERR_REDIRECT. */
  maxRedirects?: number;
  /** Follow a redirect from wss: to ws: (default false: ERR_REDIRECT). */
  allowInsecureRedirect?: boolean;
  /** The Origin header to send (a `headers` entry for Origin wins). */
  origin?: string;
  /**
   * Connect through a proxy: `http://[user:pass@]host:port` (HTTP CONNECT), `socks5://` or `socks5h://`
   * (SOCKS5, the proxy resolving names; username/password when given), or 'env' for HTTPS_PROXY (wss:),
   * HTTP_PROXY (ws:), ALL_PROXY and NO_PROXY, read as undici's EnvHttpProxyAgent reads them.
   */
  proxy?: string | URL;
  /** Keepalive: a ping after this many ms in which nothing was received (default: none). */
  pingInterval?: number;
  /** Keepalive: fail with ERR_PING_TIMEOUT, closing with 1011, when nothing comes this many ms after a ping (default 10000). */
  pongTimeout?: number;
}

export const defaults = {
  handshakeTimeout: 10_000,
  closeTimeout: 5_000,
  maxBufferedAmount: 64 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
  pongTimeout: 10_000,
  maxRedirects: 10,
} as const;

/** The longest delay setTimeout keeps: longer ones (and Infinity) fire at once on every runtime. */
export const MAX_TIMER = 2 ** 31 - 1;
export const MAX_BYTES = 2 ** 53 - 1;

export function checkNumber(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number') throw new TypeError(`The ${name} option must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`The ${name} option must be an integer from ${min} to ${max}, got ${value}`);
  }
}

export function checkType(name: string, value: unknown, type: string): void {
  if (value !== undefined && typeof value !== type)
    throw new TypeError(`The ${name} option must be a ${type}, got ${typeof value}`);
}

/** The options a client and a server share (timeouts, limits, keepalive, backend): checked the same way. */
export type ConnectionOptions = Pick<
  ClientOptions,
  | 'handshakeTimeout'
  | 'closeTimeout'
  | 'maxMessage'
  | 'maxBufferedAmount'
  | 'highWaterMark'
  | 'pingInterval'
  | 'pongTimeout'
  | 'backend'
>;

/** Throws a TypeError or RangeError naming the first shared option that is not valid. */
export function validateConnectionOptions(options: ConnectionOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('The options must be an object');
  checkNumber('handshakeTimeout', options.handshakeTimeout, 1, MAX_TIMER);
  checkNumber('closeTimeout', options.closeTimeout, 1, MAX_TIMER);
  checkNumber('maxMessage', options.maxMessage, 0, 1024 * 1024 * 1024);
  checkNumber('maxBufferedAmount', options.maxBufferedAmount, 0, MAX_BYTES);
  checkNumber('highWaterMark', options.highWaterMark, 0, MAX_BYTES);
  checkNumber('pingInterval', options.pingInterval, 1, MAX_TIMER);
  checkNumber('pongTimeout', options.pongTimeout, 1, MAX_TIMER);
  const { backend } = options;
  if (backend !== undefined && backend !== 'as' && backend !== 'c') {
    throw new TypeError(`The backend option must be 'as' or 'c', got ${JSON.stringify(backend)}`);
  }
}

/** Throws a TypeError or RangeError naming the first option that is not valid. */
export function validateOptions(options: ClientOptions): void {
  validateConnectionOptions(options);
  checkType('rejectUnauthorized', options.rejectUnauthorized, 'boolean');
  checkType('servername', options.servername, 'string');
  checkType('origin', options.origin, 'string');
  checkType('cert', options.cert, 'string');
  checkType('key', options.key, 'string');
  checkType('passphrase', options.passphrase, 'string');
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new TypeError('The cert and key options go together: give both or neither');
  }
  checkType('followRedirects', options.followRedirects, 'boolean');
  checkType('allowInsecureRedirect', options.allowInsecureRedirect, 'boolean');
  checkNumber('maxRedirects', options.maxRedirects, 0, 100);
  validateDeflateOptions(options.perMessageDeflate);
  const { proxy, signal } = options;
  if (proxy !== undefined && typeof proxy !== 'string' && !(proxy instanceof URL)) {
    throw new TypeError(`The proxy option must be a URL string, a URL or 'env', got ${typeof proxy}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('The signal option must be an AbortSignal');
  }
  const { ca, headers } = options;
  if (ca !== undefined && typeof ca !== 'string' && !(Array.isArray(ca) && ca.every((c) => typeof c === 'string'))) {
    throw new TypeError('The ca option must be a PEM string or an array of them');
  }
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object')
      throw new TypeError('The headers option must be an object of names to values');
    const problem = headersProblem(headers);
    if (problem) throw new TypeError(`The headers option: ${problem}`);
  }
}
