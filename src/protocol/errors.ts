// Errors a user can read: each failure has its own stable code and a message saying what happened.

export type WebSocketErrorCode =
  | 'ERR_INVALID_URL'
  | 'ERR_CONNECT' // the TCP connection could not be made (refused, unreachable, DNS)
  | 'ERR_TLS' // the TLS handshake failed (certificate, protocol)
  | 'ERR_HANDSHAKE_STATUS' // the server answered with something other than 101
  | 'ERR_HANDSHAKE' // a 101 that breaks RFC 6455 §4.1 (headers, accept key, protocol, extensions)
  | 'ERR_HANDSHAKE_TIMEOUT'
  | 'ERR_CLOSED_DURING_HANDSHAKE'
  | 'ERR_PROTOCOL' // the peer broke the framing rules; `closeCode` says which close code we sent
  | 'ERR_CONNECTION_LOST' // the socket ended or failed without a close handshake
  | 'ERR_BUFFER_FULL' // more was buffered for sending than maxBufferedAmount allows
  | 'ERR_CLOSE_TIMEOUT' // the peer did not answer our close frame within closeTimeout
  | 'ERR_ABORTED' // the `signal` option aborted connecting
  | 'ERR_PING_TIMEOUT' // keepalive: nothing came within pongTimeout of a ping; closed with 1011
  | 'ERR_PROXY' // the proxy could not be reached, refused the tunnel (`status`: its HTTP status or SOCKS5 reply), or broke
  | 'ERR_REDIRECT' // followRedirects: a loop, too many hops, a bad Location or a downgrade from wss
  | 'ERR_INTERNAL'; // the engine itself failed (memory exhausted, a bug): closed with 1011

/** The server's answer to the opening handshake: its status line and headers (names lower-cased). */
export interface HandshakeResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** For a refusal: up to 4096 bytes of its body, as UTF-8 text (servers put the reason there). */
  body?: string;
}

export class WebSocketError extends Error {
  readonly code: WebSocketErrorCode;
  /**
   * For ERR_HANDSHAKE_STATUS: the HTTP status the server answered with, and the whole answer. For
   * ERR_PROXY: the proxy's HTTP status, or its SOCKS5 reply code.
   */
  readonly status?: number;
  readonly response?: HandshakeResponse;
  /** For ERR_PROTOCOL: the close code sent to the peer (1002, 1007, 1009) and the codec's error kind. */
  readonly closeCode?: number;
  readonly kind?: string;

  constructor(
    code: WebSocketErrorCode,
    message: string,
    details: {
      status?: number;
      response?: HandshakeResponse;
      closeCode?: number;
      kind?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WebSocketError';
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.response !== undefined) this.response = details.response;
    if (details.closeCode !== undefined) this.closeCode = details.closeCode;
    if (details.kind !== undefined) this.kind = details.kind;
  }
}
