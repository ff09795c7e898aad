// A server's connection (RFC 6455 §4.2): the client's request read as it arrives (within a size limit
// and the handshake timeout), answered with a 101 or a refusal that says why, then the open connection's
// engine (ConnectionBase), whose events go to the server's handlers with the connection.
import type { PeerAddress } from '../listener.ts';
import { CLOSED, CONNECTING, ConnectionBase, OPEN } from '../protocol/connection-base.ts';
import { WebSocketError } from '../protocol/errors.ts';
import { HeadBuffer } from '../protocol/head-buffer.ts';
import type { Transport } from '../transport.ts';
import type { ServerHandlers } from './handlers.ts';
import type { Agreed, ServerCore } from './server-core.ts';
import {
  type ParsedHead,
  Refusal,
  type UpgradeRequest,
  headEnd,
  parseRequestHead,
  refusalResponse,
  switchingProtocols,
} from './upgrade-request.ts';

export class ServerConnection extends ConnectionBase {
  /** The request that opened the connection (null until it has been read). */
  request: UpgradeRequest | null = null;
  /** Yours: whatever the application keeps with the connection. */
  data: unknown = undefined;
  readonly handshake: HeadBuffer = new HeadBuffer(512);
  // Answered with a refusal: what the client sends from now on is read and dropped.
  private refused = false;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly server: ServerCore,
    private readonly handlers: ServerHandlers,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super(server.engine);
  }

  /** Made when an error message needs it: most connections never do. */
  protected get where(): string {
    const address = this.remoteAddress;
    return `client ${address.includes(':') ? `[${address}]` : address}:${this.remotePort}`;
  }

  /** The accepted socket: its request is awaited for handshakeTimeout at most. */
  attach(transport: Transport): void {
    this.transport = transport;
    this.handshakeTimer = setTimeout(() => {
      if (this.readyState === CONNECTING && !this.refused) {
        this.refuse(new Refusal(408, `No complete request within ${this.server.handshakeTimeout} ms`));
      }
    }, this.server.handshakeTimeout);
  }

  /**
   * A request whose head an HTTP server has already read (handleUpgrade): answered as one read here,
   * with `head`, what followed it, as the first bytes of the connection. Answered in a microtask, so
   * that handleUpgrade's caller has the connection (to keep data with it) before it opens.
   */
  adopt(transport: Transport, parsed: ParsedHead, head: Uint8Array): void {
    this.transport = transport;
    if (head.length > 0) this.handshake.push(head);
    queueMicrotask(() => this.upgrade(parsed, 0));
  }

  // ---- the request: ReceiverOwner ----

  /** The request is being read; once refused, it is not (and not `receiving` either: bytes are dropped). */
  override get connecting(): boolean {
    return this.readyState === CONNECTING && !this.refused;
  }

  onHead(): void {
    const bytes = this.handshake;
    let end: number;
    let parsed: ParsedHead;
    try {
      end = headEnd(bytes.bytes, bytes.received);
      if (end < 0) return;
      parsed = parseRequestHead(bytes.bytes.subarray(0, end));
    } catch (error) {
      this.refuse(error);
      return;
    }
    this.upgrade(parsed, end);
  }

  /** Checks the request and answers it: a 101, or a refusal. */
  private upgrade(parsed: ParsedHead, headLength: number): void {
    let agreed: Agreed;
    try {
      agreed = this.server.agree(parsed, this);
    } catch (error) {
      this.refuse(error);
      return;
    }
    this.request = agreed.request;
    const transport = this.transport;
    if (this.finished || transport === null || this.readyState !== CONNECTING) return;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    transport.write(switchingProtocols(agreed.accept, agreed.protocol, agreed.extensions));
    this.sender.transport = transport;
    const early = this.handshake.bytes.slice(headLength, this.handshake.received);
    this.handshake.release();
    this.becomeOpen(
      agreed.protocol,
      agreed.extensions,
      agreed.deflate,
      this.server.compressor,
      this.server.pingInterval,
    );
    this.server.opened(this);
    const request = agreed.request;
    this.call(() => this.handlers.onOpen?.(this, request));
    if (early.length > 0 && this.receiving) this.onChunk(early);
  }

  /** Closes with `code` once open (going away: 1001), or answers the request under way with 503. */
  shutdown(code: number, reason: string): void {
    if (this.readyState === OPEN) this.close(code, reason);
    else if (!this.refused) this.refuse(new Refusal(503, 'The server is shutting down'));
  }

  /** Answers with a refusal (a Refusal's status, else 500) and closes once it is sent. */
  refuse(error: unknown): void {
    if (this.refused || this.finished) return;
    // An exception (a callback threw) is the server's own business: the client is told no more than 500.
    const refusal = error instanceof Refusal ? error : new Refusal(500, 'The server could not answer the handshake');
    this.refused = true;
    // What the client sends from now on is read and dropped (see `connecting`).
    this.failure = new WebSocketError('ERR_HANDSHAKE', refusal.message);
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.handshake.release();
    const transport = this.transport;
    this.server.refused(this, refusal, error instanceof Refusal ? undefined : error);
    if (transport === null) return;
    transport.write(refusalResponse(refusal));
    transport.end();
    // A client that does not close after the answer is dropped.
    this.closing.wait(this.server.closeTimeout, () => transport.destroy());
  }

  private drop(): void {
    this.handshake.release();
    this.transport?.destroy();
  }

  protected failConnecting(_error: WebSocketError): void {
    this.drop();
  }

  // ---- events, to the server's handlers ----

  protected emitMessage(data: Uint8Array, isText: boolean): void {
    this.handlers.onMessage?.(this, data, isText);
  }
  protected emitPing(data: Uint8Array): void {
    this.handlers.onPing?.(this, data);
  }
  protected emitPong(data: Uint8Array): void {
    this.handlers.onPong?.(this, data);
  }
  protected emitDrain(): void {
    this.handlers.onDrain?.(this);
  }
  protected emitError(error: WebSocketError): void {
    this.handlers.onError?.(this, error);
  }
  protected emitClose(code: number, reason: string, wasClean: boolean): void {
    this.handlers.onClose?.(this, code, reason, wasClean);
  }

  /** The socket closed: before the 101, nothing is reported (the server's refusal was); after, onClose. */
  override onClose(error?: Error): void {
    if (this.finished) return;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.server.closed(this);
    if (this.readyState === CONNECTING) {
      this.finished = true;
      this.readyState = CLOSED;
      this.stopTimers();
      this.handshake.release();
      this.receiver.free();
      return;
    }
    super.onClose(error);
  }

  /** Open, and not closing. */
  get isOpen(): boolean {
    return this.readyState === OPEN;
  }

  /** The peer's address, as the request names it. */
  get peer(): PeerAddress {
    return { remoteAddress: this.remoteAddress, remotePort: this.remotePort };
  }
}
