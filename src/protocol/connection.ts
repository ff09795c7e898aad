// The protocol engine (RFC 6455), runtime-neutral: the opening handshake, connection state, control
// frames, the close handshake and failures. Frames are parsed and built by the WASM codec; bytes move
// through a Transport that a runtime shim provides.
import { Codec } from '../codec/codec.ts';
import { Event, Role } from '../codec/abi.ts';
import type { Transport, TransportFactory, TransportSink } from '../transport.ts';
import { WebSocketError } from './errors.ts';
import {
  acceptFor,
  buildRequest,
  createKey,
  parseResponseHead,
  type ResponseHead,
  protocolsProblem,
  verifyResponse,
} from './handshake.ts';
import { nextMaskKey } from './mask-keys.ts';
import { defaults, validateOptions, type ClientOptions } from './options.ts';
import { parseEndpoint, type Endpoint } from './url.ts';

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/**
 * The low-latency API's callbacks. Views passed to them point into WASM memory and stay valid until the
 * callback returns, whatever it does meanwhile (send, close, connect); copy one to keep it.
 * onOpen runs when the handshake completes, before the connect() promise settles; messages that came
 * with the handshake response are delivered only after it has settled (a listener can use the
 * connection it got from connect() or from onOpen in every onMessage).
 */
export interface ConnectionListener {
  /** A message; `data` is a view into WASM memory, valid only during this call: copy it to keep it. */
  onMessage(data: Uint8Array, isText: boolean): void;
  onOpen?(connection: Connection): void;
  onPing?(data: Uint8Array): void;
  onPong?(data: Uint8Array): void;
  /** Everything buffered has been sent. */
  onDrain?(): void;
  onError?(error: WebSocketError): void;
  /** The connection is closed: the peer's close code and reason, or 1006 when none was received. */
  onClose?(code: number, reason: string, wasClean: boolean): void;
}

const FIN = 0x80;
const TEXT = 0x01;
const BINARY = 0x02;
const CLOSE = 0x08;
const PING = 0x09;
const PONG = 0x0a;
const RX_MIN = 64 * 1024;
// Every ping is answered while less than this waits to be sent (Autobahn 2.10 expects a pong per ping).
const PONG_BACKLOG = 64 * 1024;
const CHUNK_MAX = 256 * 1024;
const EMPTY = new Uint8Array(0);
// The close reason is UTF-8 decoded without stripping a BOM (WHATWG WebSockets, as Bun and Deno do).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

enum ReadTarget {
  Discard,
  Head,
  Codec,
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export class Connection implements TransportSink {
  readyState: ReadyState = CONNECTING;
  /** The URL as given (serialized); error messages show it without userinfo. */
  readonly url: string;
  protocol = '';
  extensions = '';
  /** Resolves when the connection is open; rejects with a WebSocketError when it cannot be opened. */
  readonly opened: Promise<Connection>;

  private readonly endpoint: Endpoint;
  private readonly where: string;
  private readonly options: ClientOptions;
  private readonly listener: ConnectionListener;
  private readonly codec: Codec;
  private readonly protocols: string[];
  private readonly key = createKey();
  private readonly request: Uint8Array;
  private transport: Transport | null = null;
  private pinned = false;
  // A frame too large for the send region was built outside WASM memory: grow the region at the next safe point.
  private txWanted = 0;
  private readonly maxBuffered: number;
  private readonly highWaterMark: number;
  // Once PONG_BACKLOG bytes wait to be sent, the newest ping's payload waits here for the drain instead
  // of queuing a pong per ping: a ping flood costs a fixed amount.
  private pendingPong: Uint8Array | null = null;

  // Opening handshake.
  private head = new Uint8Array(4096);
  private headLength = 0;
  private acceptValue: string | null = null;
  private closedEarly: { error?: Error } | null = null;
  private resolveOpen!: (c: Connection) => void;
  private rejectOpen!: (e: WebSocketError) => void;
  private readonly abort = new AbortController();
  // Frames that came with the 101 wait in the codec until the connect() promise has settled (see ConnectionListener).
  private held = false;

  // The handshake timer, then the close timer: one at a time, cleared when the connection finishes.
  private timer: ReturnType<typeof setTimeout> | undefined;
  private heldTimer: ReturnType<typeof setTimeout> | undefined;

  // Closing.
  private closeSent = false;
  private closeReceived = false;
  private closeCode = 1006;
  private closeReason = '';
  private failure: WebSocketError | null = null;
  private finished = false;

  private readonly pings = new Map<
    number,
    { start: number; resolve: (ms: number) => void; reject: (e: Error) => void }
  >();
  private pingId = 0;

  constructor(url: string | URL, listener: ConnectionListener, options: ClientOptions, factory: TransportFactory) {
    validateOptions(options);
    this.endpoint = parseEndpoint(url);
    this.url = this.endpoint.url;
    this.where = this.endpoint.display;
    this.listener = listener;
    this.options = options;
    const protocols = options.protocols ?? [];
    this.protocols = typeof protocols === 'string' ? [protocols] : [...protocols];
    const problem = protocolsProblem(this.protocols);
    if (problem) throw new SyntaxError(problem);
    this.request = buildRequest(this.endpoint, this.key, this.protocols, options.headers ?? {});
    this.maxBuffered = options.maxBufferedAmount ?? defaults.maxBufferedAmount;
    this.highWaterMark = options.highWaterMark ?? defaults.highWaterMark;
    this.codec = new Codec({ role: Role.Client, maxMessage: options.maxMessage, backend: options.backend });
    this.opened = new Promise<Connection>((resolve, reject) => {
      this.resolveOpen = resolve;
      this.rejectOpen = reject;
    });
    // The WebSocket class reports failures through events: keep an unobserved rejection quiet.
    this.opened.catch(() => {});
    this.start(factory);
  }

  private start(factory: TransportFactory): void {
    this.timer = setTimeout(() => {
      this.failHandshake(
        new WebSocketError(
          'ERR_HANDSHAKE_TIMEOUT',
          `Opening handshake with ${this.where} timed out after ${this.handshakeTimeout} ms`,
        ),
      );
    }, this.handshakeTimeout);
    void acceptFor(this.key).then((accept) => {
      this.acceptValue = accept;
      if (this.readyState === CONNECTING && this.headLength > 0) this.checkHead();
      const closed = this.closedEarly;
      if (closed) {
        this.closedEarly = null;
        this.onClose(closed.error);
      }
    });
    const { host, port, secure } = this.endpoint;
    factory(
      {
        host,
        port,
        secure,
        servername: this.options.servername ?? host,
        rejectUnauthorized: this.options.rejectUnauthorized ?? true,
        ca: this.options.ca,
        signal: this.abort.signal,
      },
      this,
    ).then(
      (transport) => {
        if (this.readyState !== CONNECTING || this.finished) {
          transport.destroy();
          return;
        }
        this.transport = transport;
        transport.write(this.request);
      },
      (error: unknown) => {
        this.failHandshake(
          error instanceof WebSocketError
            ? error
            : new WebSocketError(
                'ERR_CONNECT',
                `Could not connect to ${this.where}: ${(error as Error)?.message ?? error}`,
                { cause: error },
              ),
        );
      },
    );
  }

  private get handshakeTimeout(): number {
    return this.options.handshakeTimeout ?? defaults.handshakeTimeout;
  }

  // ---- receiving (TransportSink) ----

  /** Frames are read into the codec only while the connection can still receive them: after a close
   * frame, a failure or the end, incoming bytes are discarded, never buffered. */
  private get receiving(): boolean {
    return !this.closeReceived && !this.finished && this.failure === null;
  }

  readBuffer(): Uint8Array {
    if (this.readyState === CONNECTING) {
      this.readTarget = ReadTarget.Head;
      this.headView = this.headSpace();
      return this.headView;
    }
    this.readTarget = ReadTarget.Discard;
    if (!this.receiving) return this.discard;
    try {
      this.growAtSafePoint();
      const view = this.codec.rxReserve(RX_MIN);
      this.readTarget = ReadTarget.Codec;
      return view;
    } catch (error) {
      this.failInternal(error);
      return this.discard;
    }
  }
  private readonly discard = new Uint8Array(RX_MIN);
  // Which buffer the bytes of the next onRead() went into: the state may change between the two calls.
  private readTarget = ReadTarget.Discard;
  private headView: Uint8Array = EMPTY;

  onRead(n: number): void {
    const target = this.readTarget;
    this.readTarget = ReadTarget.Discard;
    try {
      if (target === ReadTarget.Head) {
        if (this.readyState === CONNECTING) {
          this.headLength += n;
          this.checkHead();
        } else if (this.receiving) {
          // The handshake completed (its key check is asynchronous) while this read was under way:
          // these bytes are frames (the connection may already be closing).
          this.onChunk(this.headView.subarray(0, n));
        }
      } else if (target === ReadTarget.Codec && this.receiving) {
        this.codec.rxCommit(n);
        this.release();
      }
    } catch (error) {
      this.failInternal(error);
    }
  }

  onChunk(chunk: Uint8Array): void {
    try {
      if (this.readyState === CONNECTING) {
        const space = this.headSpace(chunk.length);
        space.set(chunk);
        this.headLength += chunk.length;
        this.checkHead();
        return;
      }
      this.growAtSafePoint();
      for (let at = 0; at < chunk.length && this.receiving; at += CHUNK_MAX) {
        this.codec.push(chunk.subarray(at, Math.min(chunk.length, at + CHUNK_MAX)));
        this.release();
      }
    } catch (error) {
      this.failInternal(error);
    }
  }

  private headSpace(min = 1024): Uint8Array {
    if (this.head.length - this.headLength < min) {
      const grown = new Uint8Array(Math.max(this.head.length * 2, this.headLength + min));
      grown.set(this.head.subarray(0, this.headLength));
      this.head = grown;
    }
    return this.head.subarray(this.headLength);
  }

  private checkHead(): void {
    let head: ResponseHead | null;
    try {
      head = parseResponseHead(this.head.subarray(0, this.headLength));
      if (head === null) return;
      // A 101 is checked once the expected key is computed (asynchronously); anything else fails now.
      if (head.status === 101 && this.acceptValue === null) return;
      const chosen = verifyResponse(head, this.acceptValue ?? '', this.protocols);
      this.protocol = chosen.protocol;
      this.extensions = chosen.extensions;
    } catch (error) {
      this.failHandshake(error as WebSocketError);
      return;
    }
    const rest = this.head.subarray(head.length, this.headLength);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.readyState = OPEN;
    this.head = EMPTY;
    this.headLength = 0;
    this.resolveOpen(this);
    this.call(() => this.listener.onOpen?.(this));
    if (rest.length > 0 && this.receiving) {
      // Frames that came with the response: into the codec now, delivered once connect() has settled,
      // which every I/O callback and timer runs after.
      this.growAtSafePoint();
      this.codec.push(rest);
      this.held = true;
      this.heldTimer = setTimeout(() => this.release(), 0);
    }
  }

  /** Delivers what the codec holds, unless frames are held until connect() settles. */
  private release(): void {
    if (this.held) {
      this.held = false;
      clearTimeout(this.heldTimer);
      this.heldTimer = undefined;
    }
    if (this.receiving) this.process();
  }

  /** No view of WASM memory is held by a pending read or by user code here: memory may grow. */
  private growAtSafePoint(): void {
    if (this.txWanted > 0) {
      this.codec.txGrow(this.txWanted);
      this.txWanted = 0;
    }
  }

  /** Handles every event the codec has for what was received so far. */
  private process(): void {
    const codec = this.codec;
    for (;;) {
      switch (codec.next()) {
        case Event.NeedMore:
          return;
        case Event.Data:
          if (codec.fin && this.readyState === OPEN) {
            const message = codec.message();
            const isText = codec.messageOpcode === TEXT;
            this.call(() => this.listener.onMessage(message, isText));
          }
          break;
        case Event.Ping:
          this.answerPing(codec.payload());
          // Viewed again: answering may have grown memory.
          this.call(() => this.listener.onPing?.(codec.payload()));
          break;
        case Event.Pong:
          this.handlePong(codec.payload());
          break;
        case Event.Close:
          this.handleClose(codec.closeCode, codec.payload());
          return;
        case Event.Error:
          this.fail(
            codec.closeCode,
            new WebSocketError(
              'ERR_PROTOCOL',
              `Protocol error from ${this.where}: ${codec.errorKind} at byte ${codec.errorOffset} of the stream; closing with ${codec.closeCode}`,
              { closeCode: codec.closeCode, kind: codec.errorKind },
            ),
          );
          return;
      }
      if (!this.receiving) return;
    }
  }

  /** Calls user code; what it throws surfaces as an uncaught error without breaking the engine's state. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      rethrowLater(error);
    }
  }

  private answerPing(payload: Uint8Array): void {
    if (this.closeSent || this.transport === null) return;
    if (this.transport.bufferedAmount >= PONG_BACKLOG) {
      // The peer pings but does not read: one pong answers the newest ping at drain (RFC 6455 §5.5.3).
      this.pendingPong = payload.slice();
      return;
    }
    this.writeFrame(FIN | PONG, payload);
  }

  private handlePong(payload: Uint8Array): void {
    if (payload.length === 8) {
      const id = new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0);
      const ping = this.pings.get(id);
      if (ping) {
        this.pings.delete(id);
        ping.resolve(performance.now() - ping.start);
      }
    }
    this.call(() => this.listener.onPong?.(payload));
  }

  private handleClose(code: number, payload: Uint8Array): void {
    this.closeReceived = true;
    this.closeCode = code;
    this.closeReason = payload.length > 2 ? decoder.decode(payload.subarray(2)) : '';
    if (!this.closeSent) {
      // Echo the peer's code (RFC 6455 §5.5.1); no code received, none sent.
      this.sendClose(code === 1005 ? undefined : code, '');
    }
    this.readyState = CLOSING;
    // The timer first: a transport may report the socket closed from within end() (Bun does).
    this.startCloseTimer();
    this.transport?.end();
  }

  // ---- sending ----

  /** Sends a binary message. Returns false when the caller should wait for onDrain before sending more. */
  send(data: Uint8Array): boolean {
    if (this.readyState !== OPEN) return false;
    return this.writeFrame(FIN | BINARY, data);
  }

  sendText(text: string): boolean {
    if (this.readyState !== OPEN) return false;
    if (text.length * 3 < this.codec.txSpace())
      return this.write(this.codec.frameText(FIN | TEXT, text, nextMaskKey()));
    return this.writeFrame(FIN | TEXT, encoder.encode(text));
  }

  /** Sends a ping; the payload is at most 125 bytes. */
  ping(data: Uint8Array = EMPTY): boolean {
    if (data.length > 125) throw new RangeError('A ping payload is at most 125 bytes');
    if (this.readyState !== OPEN) return false;
    return this.writeFrame(FIN | PING, data);
  }

  pong(data: Uint8Array = EMPTY): boolean {
    if (data.length > 125) throw new RangeError('A pong payload is at most 125 bytes');
    if (this.readyState !== OPEN) return false;
    return this.writeFrame(FIN | PONG, data);
  }

  /** Milliseconds from a ping to its pong. */
  measureRoundTrip(): Promise<number> {
    if (this.readyState !== OPEN)
      return Promise.reject(new WebSocketError('ERR_CONNECTION_LOST', 'The connection is not open'));
    const id = ++this.pingId;
    const payload = new Uint8Array(8);
    new DataView(payload.buffer).setFloat64(0, id);
    return new Promise<number>((resolve, reject) => {
      this.pings.set(id, { start: performance.now(), resolve, reject });
      this.writeFrame(FIN | PING, payload);
    });
  }

  /** Bytes handed to send() and not yet given to the operating system. */
  get bufferedAmount(): number {
    return this.transport?.bufferedAmount ?? 0;
  }

  /** Starts the close handshake. The code is one a peer may receive (1000, 3000–4999, …); the reason at most 123 bytes. */
  close(code?: number, reason = ''): void {
    if (code !== undefined && !isSendableCloseCode(code)) throw new RangeError(`Invalid close code ${code}`);
    if (encoder.encode(reason).length > 123) throw new RangeError('A close reason is at most 123 bytes of UTF-8');
    if (this.readyState === CONNECTING) {
      this.failHandshake(
        new WebSocketError('ERR_CLOSED_DURING_HANDSHAKE', 'The connection was closed before it was open'),
      );
      return;
    }
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    this.sendClose(code, reason);
    this.startCloseTimer();
  }

  /** Drops the connection at once, without a close handshake. */
  terminate(): void {
    if (this.readyState === CONNECTING) {
      this.failHandshake(
        new WebSocketError('ERR_CLOSED_DURING_HANDSHAKE', 'The connection was terminated before it was open'),
      );
      return;
    }
    this.transport?.destroy();
  }

  private sendClose(code: number | undefined, reason: string): void {
    this.closeSent = true;
    this.pendingPong = null;
    if (code === undefined) {
      this.writeFrame(FIN | CLOSE, EMPTY);
      return;
    }
    const reasonBytes = encoder.encode(reason);
    const payload = new Uint8Array(2 + reasonBytes.length);
    payload[0] = code >> 8;
    payload[1] = code & 0xff;
    payload.set(reasonBytes, 2);
    this.writeFrame(FIN | CLOSE, payload);
  }

  /**
   * Frames a message into the send region when it fits; a larger one is built in a JS buffer and the
   * region grows at the next safe point, so a send never grows memory under a view that a pending read
   * or the running callback holds.
   */
  private writeFrame(b0: number, payload: Uint8Array): boolean {
    const codec = this.codec;
    if (payload.length < codec.txSpace()) return this.write(codec.frame(b0, payload, nextMaskKey()));
    this.txWanted = Math.max(this.txWanted, payload.length);
    // Built in a JS buffer, not in WASM memory: nothing there to pin.
    return this.write(codec.frameDetached(b0, payload, nextMaskKey()), false);
  }

  private write(frame: Uint8Array, inWasm = true): boolean {
    const transport = this.transport;
    if (transport === null) return false;
    if (!transport.write(frame) && inWasm) {
      // The transport still reads this frame from WASM memory: build the next ones after it.
      this.codec.pin();
      this.pinned = true;
    }
    const buffered = transport.bufferedAmount;
    if (buffered > this.maxBuffered) {
      if (this.failure === null) {
        // Reported once; no longer OPEN, so later sends return false instead of failing again.
        const error = new WebSocketError(
          'ERR_BUFFER_FULL',
          `More than ${this.maxBuffered} bytes are buffered for sending: the peer is not reading`,
        );
        this.failure = error;
        this.readyState = CLOSING;
        this.call(() => this.listener.onError?.(error));
      }
      transport.destroy();
      return false;
    }
    return buffered < this.highWaterMark;
  }

  onDrain(): void {
    try {
      if (this.pinned) {
        this.codec.release();
        this.pinned = false;
      }
      const pong = this.pendingPong;
      if (pong !== null) {
        this.pendingPong = null;
        if (!this.closeSent) this.writeFrame(FIN | PONG, pong);
      }
    } catch (error) {
      this.failInternal(error);
      return;
    }
    if (this.readyState === OPEN) this.call(() => this.listener.onDrain?.());
  }

  // ---- failing and finishing ----

  /** Fails the connection (RFC 6455 §7.1.7): a close frame with `code`, then the socket is closed. */
  private fail(code: number, error: WebSocketError): void {
    if (this.failure !== null || this.finished) return;
    this.failure = error;
    this.closeCode = code;
    if (!this.closeSent) this.sendClose(code, '');
    this.readyState = CLOSING;
    this.startCloseTimer();
    this.call(() => this.listener.onError?.(error));
    if (!this.finished) this.transport?.end();
  }

  /** Something in the engine threw (a bug, or memory exhausted): fail with 1011 instead of throwing into the runtime. */
  private failInternal(cause: unknown): void {
    const message = `Internal error on the connection to ${this.where}: ${(cause as Error)?.message ?? cause}`;
    if (this.readyState === CONNECTING) {
      this.failHandshake(new WebSocketError('ERR_HANDSHAKE', message, { cause }));
      return;
    }
    if (this.failure === null && !this.finished) {
      this.fail(1011, new WebSocketError('ERR_INTERNAL', message, { closeCode: 1011, cause }));
    }
    this.transport?.destroy();
  }

  private failHandshake(error: WebSocketError): void {
    if (this.readyState !== CONNECTING || this.finished) return;
    this.finished = true;
    this.readyState = CLOSED;
    this.failure = error;
    this.clearTimers();
    this.abort.abort();
    this.transport?.destroy();
    this.codec.release();
    this.rejectOpen(error);
    this.call(() => this.listener.onError?.(error));
    this.call(() => this.listener.onClose?.(1006, '', false));
  }

  private startCloseTimer(): void {
    clearTimeout(this.timer);
    if (this.finished) return;
    const ms = this.options.closeTimeout ?? defaults.closeTimeout;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A close frame never answered is an error; a peer that answered but keeps the TCP connection open is not.
      if (this.failure === null && !this.finished && !this.closeReceived) {
        const error = new WebSocketError(
          'ERR_CLOSE_TIMEOUT',
          `${this.where} did not finish the close handshake within ${ms} ms`,
        );
        this.failure = error;
        this.call(() => this.listener.onError?.(error));
      }
      this.transport?.destroy();
    }, ms);
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.heldTimer);
    this.timer = this.heldTimer = undefined;
    this.held = false;
  }

  onClose(error?: Error): void {
    if (this.readyState === CONNECTING && this.acceptValue === null && this.headLength > 0) {
      // A response came, then the socket closed, before the expected key was computed: judge the
      // response first, so that its own error (or its success) is what gets reported.
      this.closedEarly = { error };
      return;
    }
    if (this.readyState === CONNECTING) {
      this.failHandshake(
        error
          ? error instanceof WebSocketError
            ? error
            : new WebSocketError(
                'ERR_CONNECT',
                `Connection to ${this.where} failed during the handshake: ${error.message}`,
                { cause: error },
              )
          : new WebSocketError(
              'ERR_CLOSED_DURING_HANDSHAKE',
              `${this.where} closed the connection during the opening handshake`,
            ),
      );
      return;
    }
    if (this.finished) return;
    // Frames still held for delivery go first: they arrived before the socket closed.
    if (this.held) this.release();
    this.finished = true;
    this.clearTimers();
    this.pendingPong = null;
    this.readyState = CLOSED;
    for (const ping of this.pings.values())
      ping.reject(new WebSocketError('ERR_CONNECTION_LOST', 'The connection closed before the pong'));
    this.pings.clear();
    const clean = this.closeReceived && this.closeSent && this.failure === null;
    if (!this.closeReceived && this.failure === null) {
      const lost = new WebSocketError(
        'ERR_CONNECTION_LOST',
        `The connection to ${this.where} ended without a close handshake${error ? `: ${error.message}` : ''}`,
        { cause: error },
      );
      this.failure = lost;
      this.call(() => this.listener.onError?.(lost));
    }
    const code = this.closeReceived || this.failure?.code === 'ERR_PROTOCOL' ? this.closeCode : 1006;
    this.call(() => this.listener.onClose?.(code, this.closeReceived ? this.closeReason : '', clean));
  }
}

/** Opens a connection with the low-latency API: resolves once the handshake is done. */
export function openConnection(
  url: string | URL,
  listener: ConnectionListener,
  options: ClientOptions,
  factory: TransportFactory,
): Promise<Connection> {
  try {
    return new Connection(url, listener, options, factory).opened;
  } catch (error) {
    return Promise.reject(error);
  }
}
