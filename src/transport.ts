// What the engine needs from a runtime: a connected byte stream. runtimes/*.ts implement it.
import type { Tunnel } from './proxy/tunnel.ts';

export interface ConnectOptions {
  host: string;
  port: number;
  secure: boolean;
  /** TLS: the server name to verify and send as SNI. */
  servername: string;
  /** TLS: verify the server's certificate (default true). */
  rejectUnauthorized: boolean;
  /** TLS: extra trusted CA certificates, PEM. */
  ca?: string | string[];
  /** TLS: a client certificate (PEM chain) and its key (PEM), for servers that ask for one. */
  cert?: string;
  key?: string;
  /** TLS: the passphrase of an encrypted `key`. */
  passphrase?: string;
  /**
   * Through a proxy: connect to the tunnel's host and port, run the tunnel over that connection, then
   * go on over it (TLS to `servername` when `secure`). Failures before the tunnel opened are ERR_PROXY.
   */
  tunnel?: Tunnel;
  /** Aborted when the opening handshake is given up (timeout, close()): stop connecting. */
  signal?: AttemptSignal;
}

/** The part of an AbortSignal a transport uses: tells it that its connection attempt was given up. */
export interface AttemptSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An AttemptSignal and its abort(), made for each connection attempt: an AbortController with its
 * EventTarget is about a kilobyte per connect on Node, this a few words. Listeners run once.
 */
export class AttemptAbort implements AttemptSignal {
  aborted = false;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }
  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}

/** How the transport hands received bytes to the engine. */
export interface TransportSink {
  /** Where to read the next bytes into (WASM memory): for runtimes that read into a caller's buffer. */
  readBuffer(): Uint8Array;
  /** `n` bytes were read into the buffer readBuffer() returned last. */
  onRead(n: number): void;
  /** A chunk in the runtime's own buffer, for runtimes that hand over their buffers (copied once). */
  onChunk(chunk: Uint8Array): void;
  /** Everything written so far has left (after a write returned false). */
  onDrain(): void;
  /** The peer closed the connection, or it failed (`error`). Called once; the transport is then closed. */
  onClose(error?: Error): void;
}

export interface Transport {
  /**
   * Writes `data`. Returns true when the transport is done with the memory on return (sent or copied);
   * false when it still reads it until onDrain() (the caller must not reuse it until then).
   */
  write(data: Uint8Array): boolean;
  /** Bytes accepted by write() and not yet handed to the operating system. */
  readonly bufferedAmount: number;
  /** Sends what is pending, then closes our side (TCP FIN). */
  end(): void;
  /** Closes at once, dropping what is pending. */
  destroy(): void;
  /** Stops reading from the socket (the peer's writes back up into the kernel and then the peer) until resume(). */
  pause(): void;
  resume(): void;
}

/**
 * Opens a connection. Rejects with an Error whose `code` is 'ERR_CONNECT', 'ERR_PROXY' or 'ERR_TLS' (a WebSocketError)
 * when the TCP connection or the TLS handshake fails.
 */
export type TransportFactory = (options: ConnectOptions, sink: TransportSink) => Promise<Transport>;
