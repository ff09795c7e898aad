// What a client's and a server's connection share: the open connection's protocol engine (RFC 6455 §5,
// §7). Reads go to the Receiver, frames out through the Sender, close frames and their timer through
// CloseHandshake; the opening handshake (a client's request, a server's answer) is the subclass's, as
// are the events, which it hands to its own kind of listener.
import { Opcode, type Role } from '../codec/abi.ts';
import { Codec } from '../codec/codec.ts';
import type { Backend } from '../codec/loader.ts';
import type { CompressorFactory } from '../deflate/compressor.ts';
import type { DeflateAgreement } from '../deflate/negotiation.ts';
import type { Transport, TransportSink } from '../transport.ts';
import { CloseHandshake, isSendableCloseCode } from './close-handshake.ts';
import { WebSocketError } from './errors.ts';
import { Keepalive } from './keepalive.ts';
import { type ConnectionOptions, defaults } from './options.ts';
import { type HeadReader, Receiver, type ReceiverOwner } from './receiver.ts';
import { Sender, type SenderOwner } from './sender.ts';

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

const FIN = 0x80;
const EMPTY = new Uint8Array(0);
/** Control frames in one read past which reading waits for the event loop to turn (a flood). */
const YIELD_AFTER_CONTROL_FRAMES = 1024;
const encoder = new TextEncoder();

/** The engine's settings, from a client's or a server's options. */
export interface EngineOptions {
  role: Role;
  maxMessage?: number;
  backend?: Backend;
  maxBufferedAmount?: number;
  highWaterMark?: number;
  closeTimeout?: number;
  pongTimeout?: number;
}

/** The engine's settings from a client's or a server's options. */
export function engineOptions(role: Role, options: ConnectionOptions): EngineOptions {
  const { maxMessage, backend, maxBufferedAmount, highWaterMark, closeTimeout, pongTimeout } = options;
  return { role, maxMessage, backend, maxBufferedAmount, highWaterMark, closeTimeout, pongTimeout };
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export abstract class ConnectionBase implements TransportSink, ReceiverOwner, SenderOwner {
  readyState: ReadyState = CONNECTING;
  protocol = '';
  extensions = '';
  /** Who the peer is, for error messages: a client's URL, a server's client address. */
  protected abstract readonly where: string;
  protected transport: Transport | null = null;
  protected readonly codec: Codec;
  protected readonly receiver: Receiver;
  protected readonly sender: Sender;
  protected readonly closing: CloseHandshake = new CloseHandshake();
  protected failure: WebSocketError | null = null;
  protected finished = false;
  // pause(): reading stopped by the user.
  protected paused = false;
  // Round trips under way (measureRoundTrip), made at the first: most connections never measure one.
  private pings: Map<number, { start: number; resolve: (ms: number) => void; reject: (e: Error) => void }> | null =
    null;
  private pingId = 0;
  // Keepalive, when asked for: reads set `received`, its timer reads and clears it.
  private keepalive: Keepalive | null = null;
  private received = false;
  // Pings and pongs in the read being processed.
  private controlFrames = 0;

  constructor(private readonly engine: EngineOptions) {
    this.codec = new Codec({ role: engine.role, maxMessage: engine.maxMessage, backend: engine.backend });
    this.receiver = new Receiver(this.codec, this);
    this.sender = new Sender(
      this.codec,
      engine.maxBufferedAmount ?? defaults.maxBufferedAmount,
      engine.highWaterMark ?? defaults.highWaterMark,
      this,
    );
  }

  // ---- what a subclass brings: the opening handshake and its listener ----

  /** The opening handshake's head as it arrives (a client reads the response, a server the request). */
  abstract readonly handshake: HeadReader;
  abstract onHead(): void;
  /** Fails a connection that is not open yet (close(), terminate(), an internal error). */
  protected abstract failConnecting(error: WebSocketError): void;
  protected abstract emitMessage(data: Uint8Array, isText: boolean): void;
  protected abstract emitPing(data: Uint8Array): void;
  protected abstract emitPong(data: Uint8Array): void;
  protected abstract emitDrain(): void;
  protected abstract emitError(error: WebSocketError): void;
  protected abstract emitClose(code: number, reason: string, wasClean: boolean): void;

  /**
   * The opening handshake succeeded: what was agreed takes effect, and the connection is OPEN. The
   * caller tells its listener, then hands over the bytes that followed the head (receiver.hold or push).
   */
  protected becomeOpen(
    protocol: string,
    extensions: string,
    deflate: DeflateAgreement | null,
    compressor: CompressorFactory,
    pingInterval: number | undefined,
  ): void {
    this.protocol = protocol;
    this.extensions = extensions;
    if (deflate !== null) {
      // Compressed messages from here on: RSV1 marks them, both ways.
      const c = compressor(deflate);
      this.codec.allowRsv(0x40);
      this.receiver.compressor = c;
      this.sender.compress(c, deflate.threshold);
    }
    this.readyState = OPEN;
    if (pingInterval !== undefined) this.startKeepalive(pingInterval);
  }

  // ---- receiving: TransportSink, delegated to the Receiver; ReceiverOwner, called back by it ----

  readBuffer(): Uint8Array {
    return this.receiver.readBuffer();
  }
  onRead(n: number): void {
    this.received = true;
    this.sender.beginRead();
    try {
      this.receiver.onRead(n);
    } finally {
      this.endRead();
    }
  }
  onChunk(chunk: Uint8Array): void {
    this.received = true;
    this.sender.beginRead();
    try {
      this.receiver.onChunk(chunk);
    } finally {
      this.endRead();
    }
  }

  /**
   * A read is processed: its pongs go out, and after a read full of control frames (a flood) reading
   * stops until the event loop has turned once, so timers and other connections run: runtimes read a
   * socket many times per turn while data keeps coming (libuv up to 32 reads).
   */
  private endRead(): void {
    this.sender.endRead();
    if (this.controlFrames > YIELD_AFTER_CONTROL_FRAMES && this.transport !== null && !this.finished) {
      const transport = this.transport;
      transport.pause();
      setTimeout(() => {
        if (!this.paused) transport.resume();
      }, 0);
    }
    this.controlFrames = 0;
  }

  get connecting(): boolean {
    return this.readyState === CONNECTING;
  }
  /** Frames are wanted until a close frame, a failure or the end; after that, bytes are dropped. */
  get receiving(): boolean {
    return !this.closing.received && !this.finished && this.failure === null;
  }

  onMessage(data: Uint8Array, isText: boolean): void {
    if (this.readyState !== OPEN) return;
    // As call() does, without a closure per message.
    try {
      this.emitMessage(data, isText);
    } catch (error) {
      rethrowLater(error);
    }
  }

  onPing(): void {
    this.controlFrames++;
    if (!this.closing.sent) this.sender.answerPing(this.codec.payload());
    // Viewed again: answering may have grown memory.
    this.call(() => this.emitPing(this.codec.payload()));
  }

  onPong(payload: Uint8Array): void {
    this.controlFrames++;
    this.keepalive?.pong();
    if (payload.length === 8) {
      const id = new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0);
      const ping = this.pings?.get(id);
      if (ping) {
        this.pings?.delete(id);
        ping.resolve(performance.now() - ping.start);
      }
    }
    this.call(() => this.emitPong(payload));
  }

  onCloseFrame(code: number, payload: Uint8Array): void {
    this.closing.receive(code, payload);
    // Echo the peer's code (RFC 6455 §5.5.1); no code received, none sent.
    if (!this.closing.sent) this.sendClose(code === 1005 ? undefined : code, '');
    this.readyState = CLOSING;
    this.endSocket();
  }

  onProtocolError(): void {
    const { closeCode, errorKind, errorOffset } = this.codec;
    const message = `Protocol error from ${this.where}: ${errorKind} at byte ${errorOffset} of the stream; closing with ${closeCode}`;
    this.fail(closeCode, new WebSocketError('ERR_PROTOCOL', message, { closeCode, kind: errorKind }));
  }

  onBadMessage(closeCode: number, kind: string, why: string): void {
    const message = `Protocol error from ${this.where}: ${why}; closing with ${closeCode}`;
    this.fail(closeCode, new WebSocketError('ERR_PROTOCOL', message, { closeCode, kind }));
  }

  growAtSafePoint(): void {
    this.sender.growAtSafePoint();
  }

  onDrain(): void {
    try {
      this.sender.onDrain();
    } catch (error) {
      this.failInternal(error);
      return;
    }
    if (this.readyState === OPEN) this.call(() => this.emitDrain());
  }

  // ---- sending ----

  /**
   * Sends a message: binary, or text when `isText` (then `data` must be UTF-8, as a received text
   * message is). Returns false when the caller should wait for the drain before sending more.
   */
  send(data: Uint8Array, isText = false): boolean {
    if (this.readyState !== OPEN) return false;
    return this.sender.message(FIN | (isText ? Opcode.Text : Opcode.Binary), data);
  }

  sendText(text: string): boolean {
    if (this.readyState !== OPEN) return false;
    return this.sender.text(FIN | Opcode.Text, text);
  }

  /** Sends a ping; the payload is at most 125 bytes. */
  ping(data: Uint8Array = EMPTY): boolean {
    if (data.length > 125) throw new RangeError('A ping payload is at most 125 bytes');
    if (this.readyState !== OPEN) return false;
    return this.sender.frame(FIN | Opcode.Ping, data);
  }

  pong(data: Uint8Array = EMPTY): boolean {
    if (data.length > 125) throw new RangeError('A pong payload is at most 125 bytes');
    if (this.readyState !== OPEN) return false;
    return this.sender.frame(FIN | Opcode.Pong, data);
  }

  /** Milliseconds from a ping to its pong. */
  measureRoundTrip(): Promise<number> {
    if (this.readyState !== OPEN) {
      return Promise.reject(new WebSocketError('ERR_CONNECTION_LOST', 'The connection is not open'));
    }
    const id = ++this.pingId;
    const payload = new Uint8Array(8);
    new DataView(payload.buffer).setFloat64(0, id);
    return new Promise<number>((resolve, reject) => {
      this.pings ??= new Map();
      this.pings.set(id, { start: performance.now(), resolve, reject });
      this.sender.frame(FIN | Opcode.Ping, payload);
    });
  }

  /** Bytes handed to send() and not yet given to the operating system. */
  get bufferedAmount(): number {
    return this.sender.bufferedAmount;
  }

  // ---- closing ----

  /** Starts the close handshake. The code is one a peer may receive (1000, 3000–4999, …); the reason at most 123 bytes. */
  close(code?: number, reason = ''): void {
    if (code !== undefined && !isSendableCloseCode(code)) throw new RangeError(`Invalid close code ${code}`);
    if (encoder.encode(reason).length > 123) throw new RangeError('A close reason is at most 123 bytes of UTF-8');
    if (this.readyState === CONNECTING) {
      this.failConnecting(
        new WebSocketError('ERR_CLOSED_DURING_HANDSHAKE', 'The connection was closed before it was open'),
      );
      return;
    }
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    this.resume();
    this.sendClose(code, reason);
    this.waitForClose();
  }

  /**
   * Stops reading from the socket until resume(): messages stop coming (the peer's sends back up into
   * the kernel's buffers and then the peer), and nothing more is buffered here. Keepalive pings wait
   * too. close() resumes reading, for the peer's close frame.
   */
  pause(): void {
    if (this.paused || this.finished) return;
    this.paused = true;
    this.transport?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.transport?.resume();
  }

  /** Whether reading is paused (pause()). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Drops the connection at once, without a close handshake. */
  terminate(): void {
    if (this.readyState === CONNECTING) {
      this.failConnecting(
        new WebSocketError('ERR_CLOSED_DURING_HANDSHAKE', 'The connection was terminated before it was open'),
      );
      return;
    }
    this.transport?.destroy();
  }

  private sendClose(code: number | undefined, reason: string): void {
    this.closing.sent = true;
    this.sender.close(code, reason);
  }

  /** Sends what is queued, then FIN; the close timer bounds the wait for the peer to close. */
  private endSocket(): void {
    // The timer first: a transport may report the socket closed from within end() (Bun does).
    this.waitForClose();
    if (!this.finished) this.transport?.end();
  }

  private waitForClose(): void {
    if (this.finished) return;
    const ms = this.engine.closeTimeout ?? defaults.closeTimeout;
    this.closing.wait(ms, () => {
      // A close frame never answered is an error; a peer that answered but keeps TCP open is not.
      if (this.failure === null && !this.finished && !this.closing.received) {
        this.report(
          new WebSocketError('ERR_CLOSE_TIMEOUT', `${this.where} did not finish the close handshake within ${ms} ms`),
        );
      }
      this.transport?.destroy();
    });
  }

  // ---- failing and finishing ----

  /** Records the connection's one error and tells the listener. */
  protected report(error: WebSocketError): void {
    this.failure = error;
    this.call(() => this.emitError(error));
  }

  /** Fails the connection (RFC 6455 §7.1.7): a close frame with `code`, then the socket is closed. */
  protected fail(code: number, error: WebSocketError): void {
    if (this.failure !== null || this.finished) return;
    this.closing.code = code;
    if (!this.closing.sent) this.sendClose(code, '');
    this.readyState = CLOSING;
    this.waitForClose();
    this.report(error);
    this.endSocket();
  }

  /** More than maxBufferedAmount bytes wait to be sent: reported once; the sender destroys the transport. */
  overflowed(limit: number): void {
    if (this.failure !== null) return;
    this.readyState = CLOSING;
    this.report(
      new WebSocketError(
        'ERR_BUFFER_FULL',
        `More than ${limit} bytes are buffered for sending: the peer is not reading`,
      ),
    );
  }

  /** Something in the engine threw (a bug, or memory exhausted): fail with 1011 instead of throwing into the runtime. */
  failInternal(cause: unknown): void {
    const message = `Internal error on the connection to ${this.where}: ${(cause as Error)?.message ?? cause}`;
    if (this.readyState === CONNECTING) {
      this.failConnecting(new WebSocketError('ERR_HANDSHAKE', message, { cause }));
      return;
    }
    if (this.failure === null && !this.finished) {
      this.fail(1011, new WebSocketError('ERR_INTERNAL', message, { closeCode: 1011, cause }));
    }
    this.transport?.destroy();
  }

  private startKeepalive(interval: number): void {
    this.received = false;
    this.keepalive = new Keepalive(
      interval,
      this.engine.pongTimeout ?? defaults.pongTimeout,
      () => {
        // Paused: nothing is read, so silence says nothing about the peer.
        const received = this.received || this.paused;
        this.received = false;
        return received;
      },
      () => {
        if (this.readyState === OPEN) this.sender.frame(FIN | Opcode.Ping, EMPTY);
      },
      (ms) => {
        if (this.readyState !== OPEN) return; // closing already: the close timer bounds the wait
        const message = `${this.where} sent nothing within ${ms} ms of a keepalive ping`;
        this.fail(1011, new WebSocketError('ERR_PING_TIMEOUT', message, { closeCode: 1011 }));
      },
    );
  }

  /** Every timer of an open connection stopped. */
  protected stopTimers(): void {
    this.keepalive?.stop();
    this.keepalive = null;
    this.closing.stop();
    this.receiver.stop();
  }

  /** The transport closed: the connection is over. Reports 1006 unless the close handshake completed. */
  onClose(error?: Error): void {
    if (this.finished) return;
    this.receiver.flush(); // frames held for the opening to settle arrived before the socket closed
    this.finished = true;
    this.stopTimers();
    this.sender.finish();
    this.receiver.free();
    this.readyState = CLOSED;
    for (const ping of this.pings?.values() ?? []) {
      ping.reject(new WebSocketError('ERR_CONNECTION_LOST', 'The connection closed before the pong'));
    }
    this.pings = null;
    const { received, sent } = this.closing;
    const clean = received && sent && this.failure === null;
    if (!received && this.failure === null) {
      const detail = error ? `: ${error.message}` : '';
      const message = `The connection to ${this.where} ended without a close handshake${detail}`;
      this.report(new WebSocketError('ERR_CONNECTION_LOST', message, { cause: error }));
    }
    const code = received || this.failure?.code === 'ERR_PROTOCOL' ? this.closing.code : 1006;
    this.call(() => this.emitClose(code, received ? this.closing.reason : '', clean));
  }

  /** Calls user code; what it throws surfaces as an uncaught error without breaking the engine's state. */
  protected call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      rethrowLater(error);
    }
  }
}
