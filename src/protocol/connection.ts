// The protocol engine (RFC 6455), runtime-neutral: connection state and its lifecycle. The pieces it
// drives each do one thing: OpeningHandshake (request and response), Receiver (reads and the codec's
// events), Sender (frames out, limits) and CloseHandshake (close frames and their timer). Frames are
// parsed and built by the WASM codec; bytes move through a Transport that a runtime shim provides.
import { Opcode, Role } from '../codec/abi.ts';
import { Codec } from '../codec/codec.ts';
import type { Platform } from '../platform.ts';
import type { Transport, TransportSink } from '../transport.ts';
import { type ProxyChooser, proxyChooser, tunnelTo } from '../proxy/proxy.ts';
import { CloseHandshake, isSendableCloseCode } from './close-handshake.ts';
import { type HandshakeResponse, WebSocketError } from './errors.ts';
import { Keepalive } from './keepalive.ts';
import { OpeningHandshake } from './opening-handshake.ts';
import { type ClientOptions, defaults, validateOptions } from './options.ts';
import { Receiver, type ReceiverOwner } from './receiver.ts';
import { Sender } from './sender.ts';
import { REDIRECT_STATUSES, redirectTarget, sameOrigin, withoutCredentials } from './redirect.ts';
import { type Endpoint, parseEndpoint } from './url.ts';

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
const EMPTY = new Uint8Array(0);
/** Control frames in one read past which reading waits for the event loop to turn (a flood). */
const YIELD_AFTER_CONTROL_FRAMES = 1024;
/** How long the body of a refusal (a 4xx or 5xx) is awaited once its head has come. */
const BODY_WAIT = 500;
// Where a socket of a finished attempt (a redirect followed) reads: never looked at.
const STALE_READS = new Uint8Array(4096);
const encoder = new TextEncoder();

/** The headers with `Origin: origin` added, unless they name an Origin of their own. */
function withOrigin(headers: Record<string, string>, origin: string | undefined): Record<string, string> {
  if (origin === undefined || Object.keys(headers).some((name) => name.toLowerCase() === 'origin')) return headers;
  return { ...headers, Origin: origin };
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export class Connection implements TransportSink, ReceiverOwner {
  readyState: ReadyState = CONNECTING;
  /** The URL as given (serialized); error messages show it without userinfo. */
  readonly url: string;
  protocol = '';
  extensions = '';
  /** The server's 101: status line and headers (null until open). */
  response: HandshakeResponse | null = null;
  /** Resolves when the connection is open; rejects with a WebSocketError when it cannot be opened. */
  readonly opened: Promise<Connection>;
  /** The opening handshake under way (a new one for each redirect followed). */
  handshake: OpeningHandshake;

  private endpoint: Endpoint;
  private where: string;
  // Redirects followed: the URLs so far, the first included; each attempt's transport events are
  // taken only while it is the current one.
  private visited: string[] | null = null;
  private attempt = 0;
  private readonly options: ClientOptions;
  // The proxy each endpoint is reached through (null: every one directly).
  private readonly proxyFor: ProxyChooser | null;
  private readonly listener: ConnectionListener;
  private readonly codec: Codec;
  private readonly receiver: Receiver;
  private readonly sender: Sender;
  private readonly closing = new CloseHandshake();
  private transport: Transport | null = null;
  // Settle `opened`; dropped once it has settled, so an open connection does not keep them.
  private resolveOpen: ((c: Connection) => void) | null = null;
  private rejectOpen: ((e: WebSocketError) => void) | null = null;
  // Gives up connecting (timeout, close()); dropped once open, so an open connection does not keep it.
  private abort: AbortController | null = new AbortController();
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  // A refusal's body is awaited this long at most: the reason is reported with what came.
  private bodyTimer: ReturnType<typeof setTimeout> | undefined;
  // The socket closed while the response waited for its key check: judged first, then this is reported.
  private closedEarly: { error?: Error } | null = null;
  private failure: WebSocketError | null = null;
  private finished = false;
  // Round trips under way (measureRoundTrip), made at the first: most connections never measure one.
  private pings: Map<number, { start: number; resolve: (ms: number) => void; reject: (e: Error) => void }> | null =
    null;
  private pingId = 0;
  // Keepalive, when asked for: reads set `received`, its timer reads and clears it.
  private keepalive: Keepalive | null = null;
  private received = false;
  // pause(): reading stopped by the user.
  private paused = false;
  // Pings and pongs in the read being processed.
  private controlFrames = 0;

  constructor(
    url: string | URL,
    listener: ConnectionListener,
    options: ClientOptions,
    private readonly platform: Platform,
  ) {
    validateOptions(options);
    this.endpoint = parseEndpoint(url);
    this.url = this.endpoint.url;
    this.where = this.endpoint.display;
    this.listener = listener;
    this.options = options;
    this.handshake = this.openingHandshake();
    this.proxyFor = proxyChooser(options.proxy, platform.env);
    this.codec = new Codec({ role: Role.Client, maxMessage: options.maxMessage, backend: options.backend });
    this.receiver = new Receiver(this.codec, this);
    this.sender = new Sender(
      this.codec,
      options.maxBufferedAmount ?? defaults.maxBufferedAmount,
      options.highWaterMark ?? defaults.highWaterMark,
      (limit) => this.overflowed(limit),
    );
    this.opened = new Promise<Connection>((resolve, reject) => {
      this.resolveOpen = resolve;
      this.rejectOpen = reject;
    });
    // The WebSocket class reports failures through events: keep an unobserved rejection quiet.
    this.opened.catch(() => {});
    const signal = options.signal;
    if (signal?.aborted) {
      // Nothing connects; the failure is reported once the caller has the connection (or the promise).
      queueMicrotask(this.onAbort);
      return;
    }
    signal?.addEventListener('abort', this.onAbort);
    this.start();
  }

  /** Connects (the handshake timer runs from here, over every redirect), sends the request once the transport is up. */
  private start(): void {
    const timeout = this.options.handshakeTimeout ?? defaults.handshakeTimeout;
    this.handshakeTimer = setTimeout(() => {
      const message = `Opening handshake with ${this.where} timed out after ${timeout} ms`;
      this.failHandshake(new WebSocketError('ERR_HANDSHAKE_TIMEOUT', message));
    }, timeout);
    this.connectTo();
  }

  /** One attempt: a transport to the current endpoint, and the handshake over it. */
  private connectTo(): void {
    const handshake = this.handshake;
    void handshake.keyReady.then(() => {
      if (handshake !== this.handshake) return;
      if (this.readyState === CONNECTING && this.handshake.started) this.onHead();
      const closed = this.closedEarly;
      this.closedEarly = null;
      if (closed) this.onClose(closed.error);
    });
    const { host, port, secure } = this.endpoint;
    const { servername, rejectUnauthorized, ca, cert, key, passphrase } = this.options;
    const proxy = this.proxyFor?.(this.endpoint) ?? null;
    const connected = this.platform.transport(
      {
        host,
        port,
        secure,
        servername: servername ?? host,
        rejectUnauthorized: rejectUnauthorized ?? true,
        ca,
        cert,
        key,
        passphrase,
        tunnel: proxy ? tunnelTo(proxy, this.endpoint) : undefined,
        signal: this.abort?.signal,
      },
      this.options.followRedirects ? this.sinkFor(this.attempt) : this,
    );
    // The request goes once the expected key is known too (computed while TCP connects): the response
    // is then judged as it arrives, and no read buffer is held for it after the connection opens.
    const attempt = this.attempt;
    Promise.all([connected, handshake.keyReady]).then(
      ([transport]) => {
        if (this.readyState !== CONNECTING || this.finished || attempt !== this.attempt) {
          transport.destroy();
          return;
        }
        this.transport = transport;
        this.sender.transport = transport;
        if (this.paused) transport.pause();
        transport.write(handshake.takeRequest());
      },
      (error: unknown) => {
        if (attempt !== this.attempt) return;
        const message = `Could not connect to ${this.where}: ${(error as Error)?.message ?? error}`;
        this.failHandshake(
          error instanceof WebSocketError ? error : new WebSocketError('ERR_CONNECT', message, { cause: error }),
        );
      },
    );
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

  onHead(): void {
    let opened: ReturnType<OpeningHandshake['judge']>;
    try {
      opened = this.handshake.judge();
    } catch (error) {
      this.refused(error as WebSocketError);
      return;
    }
    if (opened === null) {
      if (this.handshake.refusing && this.bodyTimer === undefined) {
        this.bodyTimer = setTimeout(() => this.refused(this.refusal()), BODY_WAIT);
      }
      return;
    }
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.abort = null;
    this.protocol = opened.protocol;
    this.extensions = opened.extensions;
    this.response = opened.response;
    if (opened.deflate !== null) {
      // Compressed messages from here on: RSV1 marks them, both ways.
      const compressor = this.platform.compressor(opened.deflate);
      this.codec.allowRsv(0x40);
      this.receiver.compressor = compressor;
      this.sender.compress(compressor, opened.deflate.threshold);
    }
    this.readyState = OPEN;
    if (this.options.pingInterval !== undefined) this.startKeepalive(this.options.pingInterval);
    this.resolveOpen?.(this);
    this.resolveOpen = this.rejectOpen = null;
    this.call(() => this.listener.onOpen?.(this));
    this.receiver.hold(opened.rest);
  }

  onMessage(data: Uint8Array, isText: boolean): void {
    if (this.readyState === OPEN) this.call(() => this.listener.onMessage(data, isText));
  }

  onPing(): void {
    this.controlFrames++;
    if (!this.closing.sent) this.sender.answerPing(this.codec.payload());
    // Viewed again: answering may have grown memory.
    this.call(() => this.listener.onPing?.(this.codec.payload()));
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
    this.call(() => this.listener.onPong?.(payload));
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
    if (this.readyState === OPEN) this.call(() => this.listener.onDrain?.());
  }

  // ---- sending ----

  /** Sends a binary message. Returns false when the caller should wait for onDrain before sending more. */
  send(data: Uint8Array): boolean {
    if (this.readyState !== OPEN) return false;
    return this.sender.message(FIN | Opcode.Binary, data);
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
      this.failHandshake(
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
      this.failHandshake(
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
    const ms = this.options.closeTimeout ?? defaults.closeTimeout;
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
  private report(error: WebSocketError): void {
    this.failure = error;
    this.call(() => this.listener.onError?.(error));
  }

  /** Fails the connection (RFC 6455 §7.1.7): a close frame with `code`, then the socket is closed. */
  private fail(code: number, error: WebSocketError): void {
    if (this.failure !== null || this.finished) return;
    this.closing.code = code;
    if (!this.closing.sent) this.sendClose(code, '');
    this.readyState = CLOSING;
    this.waitForClose();
    this.report(error);
    this.endSocket();
  }

  /** More than maxBufferedAmount bytes wait to be sent: reported once; the sender destroys the transport. */
  private overflowed(limit: number): void {
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
    this.stopTimers();
    this.abort?.abort();
    this.transport?.destroy();
    this.sender.finish();
    this.receiver.free();
    this.rejectOpen?.(error);
    this.resolveOpen = this.rejectOpen = null;
    this.call(() => this.listener.onError?.(error));
    this.call(() => this.listener.onClose?.(1006, '', false));
  }

  private startKeepalive(interval: number): void {
    this.received = false;
    this.keepalive = new Keepalive(
      interval,
      this.options.pongTimeout ?? defaults.pongTimeout,
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

  /** The user's signal: connecting stops with ERR_ABORTED; an open connection starts its close handshake. */
  private readonly onAbort = (): void => {
    if (this.readyState === CONNECTING) {
      const reason = this.options.signal?.reason;
      const why = reason instanceof Error ? `: ${reason.message}` : '';
      this.failHandshake(new WebSocketError('ERR_ABORTED', `Connecting to ${this.where} was aborted${why}`));
    } else if (this.readyState === OPEN) this.close(1000, 'aborted');
  };

  private stopTimers(): void {
    clearTimeout(this.bodyTimer);
    this.bodyTimer = undefined;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.keepalive?.stop();
    this.keepalive = null;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.closing.stop();
    this.receiver.stop();
  }

  /** The transport closed: the connection is over. Reports 1006 unless the close handshake completed. */
  onClose(error?: Error): void {
    if (this.readyState === CONNECTING) {
      if (this.handshake.started && !this.handshake.keyKnown) {
        // A response came, then the socket closed, before the expected key was computed: judge the
        // response first, so that its own error (or its success) is what gets reported.
        this.closedEarly = { error };
        return;
      }
      this.refused(this.handshakeFailure(error));
      return;
    }
    if (this.finished) return;
    this.receiver.flush(); // frames held for connect() to settle arrived before the socket closed
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
    this.call(() => this.listener.onClose?.(code, received ? this.closing.reason : '', clean));
  }

  /** The handshake failed: a redirect to follow, or the failure reported. */
  private refused(error: WebSocketError): void {
    if (!this.redirected(error)) this.failHandshake(error);
  }

  /**
   * A refusal that redirects, when redirects are followed: the next attempt starts (or ERR_REDIRECT
   * fails the connection); true when it was one.
   */
  private redirected(error: WebSocketError): boolean {
    const location = error.response?.headers.location;
    if (!this.options.followRedirects || location === undefined || !REDIRECT_STATUSES.has(error.status ?? 0)) {
      return false;
    }
    const from = this.endpoint.url;
    this.visited ??= [from];
    let target: URL;
    try {
      target = redirectTarget(from, location, this.visited, {
        maxRedirects: this.options.maxRedirects ?? defaults.maxRedirects,
        allowInsecureRedirect: this.options.allowInsecureRedirect ?? false,
      });
    } catch (failure) {
      this.failHandshake(failure as WebSocketError);
      return true;
    }
    this.visited.push(target.href);
    // Drop the answering socket; its late events belong to an attempt that is over.
    this.attempt++;
    const old = this.transport;
    this.transport = null;
    this.sender.transport = null;
    old?.destroy();
    this.abort?.abort();
    this.abort = new AbortController();
    clearTimeout(this.bodyTimer);
    this.bodyTimer = undefined;
    this.endpoint = parseEndpoint(target);
    this.where = this.endpoint.display;
    this.handshake = this.openingHandshake();
    this.connectTo();
    return true;
  }

  /** The opening handshake with the current endpoint (the URL given, or where a redirect led). */
  private openingHandshake(): OpeningHandshake {
    let headers = withOrigin(this.options.headers ?? {}, this.options.origin);
    // Credentials go only where they were meant for: not to another origin a redirect led to.
    if (this.visited !== null && !sameOrigin(this.url, this.endpoint.url)) headers = withoutCredentials(headers);
    return new OpeningHandshake(this.endpoint, this.options.protocols ?? [], headers, this.options.perMessageDeflate);
  }

  /** The transport events of attempt `attempt`, passed on while it is the current one. */
  private sinkFor(attempt: number): TransportSink {
    const current = () => attempt === this.attempt;
    return {
      readBuffer: () => (current() ? this.readBuffer() : STALE_READS),
      onRead: (n) => current() && this.onRead(n),
      onChunk: (chunk) => current() && this.onChunk(chunk),
      onDrain: () => current() && this.onDrain(),
      onClose: (error) => current() && this.onClose(error),
    };
  }

  /** The refusal (ERR_HANDSHAKE_STATUS) with the body that came so far. */
  private refusal(): WebSocketError {
    try {
      this.handshake.judge(true);
    } catch (error) {
      if (error instanceof WebSocketError) return error;
    }
    return new WebSocketError('ERR_INTERNAL', 'wasm-ws: a refusal could not be judged');
  }

  private handshakeFailure(error?: Error): WebSocketError {
    if (this.handshake.refusing) return this.refusal();
    if (error instanceof WebSocketError) return error;
    if (error) {
      const message = `Connection to ${this.where} failed during the handshake: ${error.message}`;
      return new WebSocketError('ERR_CONNECT', message, { cause: error });
    }
    return new WebSocketError(
      'ERR_CLOSED_DURING_HANDSHAKE',
      `${this.where} closed the connection during the opening handshake`,
    );
  }

  /** Calls user code; what it throws surfaces as an uncaught error without breaking the engine's state. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      rethrowLater(error);
    }
  }
}

/** Opens a connection with the low-latency API: resolves once the handshake is done. */
export function openConnection(
  url: string | URL,
  listener: ConnectionListener,
  options: ClientOptions,
  platform: Platform,
): Promise<Connection> {
  try {
    return new Connection(url, listener, options, platform).opened;
  } catch (error) {
    return Promise.reject(error);
  }
}
