// A tunnel through a proxy: the few messages that turn a fresh connection to the proxy into a byte
// stream to the target. The transport runs it (runtimes/ only move the bytes): it connects to
// `host`:`port`, calls open(), passes what it reads to receive() and, once `opened` resolves, carries
// on over the same socket (TLS to the target for wss:).
import { joined } from '../bytes.ts';
import { WebSocketError } from '../protocol/errors.ts';
import type { ProxyEndpoint } from './proxy.ts';

export abstract class Tunnel {
  /** Resolves once the proxy has connected us to the target; rejects with ERR_PROXY. */
  readonly opened: Promise<void>;
  /** Where the TCP connection goes: the proxy. */
  readonly host: string;
  readonly port: number;
  /** The proxy's URL without credentials, for messages. */
  readonly display: string;
  private resolveOpened!: () => void;
  private rejectOpened!: (error: WebSocketError) => void;
  private pending: Uint8Array = new Uint8Array(0);
  private done = false;
  private answered = false;
  /** The proxy has answered: the tunnel is open, or has failed. */
  get settled(): boolean {
    return this.done;
  }
  protected write: (bytes: Uint8Array) => void = () => {};

  constructor(
    protected readonly proxy: ProxyEndpoint,
    /** The target, as `host:port` (brackets around IPv6). */
    protected readonly targetHost: string,
    protected readonly targetPort: number,
  ) {
    this.host = proxy.host;
    this.port = proxy.port;
    this.display = proxy.display;
    this.opened = new Promise<void>((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    });
    this.opened.catch(() => {});
  }

  /** The TCP connection to the proxy is up: the first message goes out through `write`. */
  open(write: (bytes: Uint8Array) => void): void {
    this.write = write;
    this.begin();
  }

  /** Bytes from the proxy. */
  receive(chunk: Uint8Array): void {
    if (this.done) return;
    this.pending =
      this.pending.length === 0 ? chunk.slice() : joined([this.pending, chunk], this.pending.length + chunk.length);
    try {
      while (!this.done && !this.answered) {
        const used = this.step(this.pending);
        if (used === 0) return;
        this.pending = this.pending.subarray(used);
      }
    } catch (error) {
      const own = error instanceof WebSocketError && error.code === 'ERR_PROXY';
      this.fail(own ? error : this.error(`sent an answer that could not be read: ${(error as Error).message}`));
      return;
    }
    if (this.done) return;
    // The target speaks only after our request: bytes past the proxy's answer are the proxy's mistake.
    if (this.pending.length > 0) this.fail(this.error('sent bytes past its answer before the tunnel was used'));
    else {
      this.done = true;
      this.resolveOpened();
    }
  }

  /** The connection to the proxy closed or failed (before the tunnel opened, or at any time: then ignored). */
  closed(error?: Error): void {
    const why = error ? `: ${error.message}` : '';
    this.fail(this.error(`closed the connection before the tunnel to ${this.target} opened${why}`, { cause: error }));
  }

  /** The TCP connection to the proxy could not be made: ERR_PROXY naming it, with the runtime's reason. */
  unreachable(reason: string, cause?: unknown): WebSocketError {
    return new WebSocketError('ERR_PROXY', `Could not connect to proxy ${this.display}: ${reason}`, { cause });
  }

  /** Names the proxy (never its credentials) and the target. */
  protected get target(): string {
    return `${this.targetHost.includes(':') ? `[${this.targetHost}]` : this.targetHost}:${this.targetPort}`;
  }

  protected error(what: string, details: { status?: number; cause?: unknown } = {}): WebSocketError {
    return new WebSocketError('ERR_PROXY', `Proxy ${this.proxy.display} ${what}`, details);
  }

  /** The proxy's last answer says the tunnel is open (receive() settles once it has checked what follows). */
  protected succeed(): void {
    this.answered = true;
  }

  protected fail(error: WebSocketError): void {
    if (this.done) return;
    this.done = true;
    this.rejectOpened(error);
  }

  /** Sends the first message. */
  protected abstract begin(): void;
  /** Reads the next message of the proxy from `bytes`: the bytes it used, 0 while it is incomplete. */
  protected abstract step(bytes: Uint8Array): number;
}
