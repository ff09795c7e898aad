// A client's connection (RFC 6455 §4.1): the opening handshake (the request, the response judged as it
// arrives, redirects, proxies, the handshake timer) over the open connection's engine (ConnectionBase),
// whose events go to a ConnectionListener.
import { Role } from '../codec/abi.ts';
import type { Platform } from '../platform.ts';
import { AttemptAbort, type TransportSink } from '../transport.ts';
import { type ProxyChooser, proxyChooser, tunnelTo } from '../proxy/proxy.ts';
import { CLOSED, CONNECTING, ConnectionBase, OPEN, engineOptions } from './connection-base.ts';
import { type HandshakeResponse, WebSocketError } from './errors.ts';
import { OpeningHandshake } from './opening-handshake.ts';
import { type ClientOptions, defaults, validateOptions } from './options.ts';
import { REDIRECT_STATUSES, redirectTarget, sameOrigin, withoutCredentials } from './redirect.ts';
import { type Endpoint, parseEndpoint } from './url.ts';

export { CONNECTING, OPEN, CLOSING, CLOSED, type ReadyState } from './connection-base.ts';

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

/** How long the body of a refusal (a 4xx or 5xx) is awaited once its head has come. */
const BODY_WAIT = 500;
// Where a socket of a finished attempt (a redirect followed) reads: never looked at.
const STALE_READS = new Uint8Array(4096);

/** The headers with `Origin: origin` added, unless they name an Origin of their own. */
function withOrigin(headers: Record<string, string>, origin: string | undefined): Record<string, string> {
  if (origin === undefined || Object.keys(headers).some((name) => name.toLowerCase() === 'origin')) return headers;
  return { ...headers, Origin: origin };
}

export class Connection extends ConnectionBase {
  /** The URL as given (serialized); error messages show it without userinfo. */
  readonly url: string;
  /** The server's 101: status line and headers (null until open). */
  response: HandshakeResponse | null = null;
  /** Resolves when the connection is open; rejects with a WebSocketError when it cannot be opened. */
  readonly opened: Promise<Connection>;
  /** The opening handshake under way (a new one for each redirect followed). */
  handshake: OpeningHandshake;

  private endpoint: Endpoint;
  /** The endpoint as error messages name it. */
  protected where: string;
  // Redirects followed: the URLs so far, the first included; each attempt's transport events are
  // taken only while it is the current one.
  private visited: string[] | null = null;
  private attempt = 0;
  private readonly options: ClientOptions;
  // The proxy each endpoint is reached through (null: every one directly).
  private readonly proxyFor: ProxyChooser | null;
  private readonly listener: ConnectionListener;
  // Settle `opened`; dropped once it has settled, so an open connection does not keep them.
  private resolveOpen: ((c: Connection) => void) | null = null;
  private rejectOpen: ((e: WebSocketError) => void) | null = null;
  // Gives up connecting (timeout, close()); dropped once open, so an open connection does not keep it.
  private abort: AttemptAbort | null = new AttemptAbort();
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  // A refusal's body is awaited this long at most: the reason is reported with what came.
  private bodyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    url: string | URL,
    listener: ConnectionListener,
    options: ClientOptions,
    private readonly platform: Platform,
  ) {
    validateOptions(options);
    const endpoint = parseEndpoint(url);
    super(engineOptions(Role.Client, options));
    this.endpoint = endpoint;
    this.url = endpoint.url;
    this.where = endpoint.display;
    this.listener = listener;
    this.options = options;
    this.handshake = this.openingHandshake();
    this.proxyFor = proxyChooser(options.proxy, platform.env);
    this.opened = new Promise<Connection>((resolve, reject) => {
      this.resolveOpen = resolve;
      this.rejectOpen = reject;
    });
    // The WebSocket class reports failures through events: keep an unobserved rejection quiet.
    this.opened.catch(() => {});
    const signal = options.signal;
    if (signal) {
      // A closure only for a connection that has a signal to listen to.
      const onAbort = () => this.aborted();
      if (signal.aborted) {
        // Nothing connects; the failure is reported once the caller has the connection (or the promise).
        queueMicrotask(onAbort);
        return;
      }
      this.onAbort = onAbort;
      signal.addEventListener('abort', onAbort);
    }
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
        signal: this.abort ?? undefined,
      },
      this.options.followRedirects ? this.sinkFor(this.attempt) : this,
    );
    const attempt = this.attempt;
    connected.then(
      (transport) => {
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

  // ---- the response: ReceiverOwner.onHead ----

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
    this.response = opened.response;
    const { protocol, extensions, deflate } = opened;
    this.becomeOpen(protocol, extensions, deflate, this.platform.compressor, this.options.pingInterval);
    this.resolveOpen?.(this);
    this.resolveOpen = this.rejectOpen = null;
    this.call(() => this.listener.onOpen?.(this));
    this.receiver.hold(opened.rest);
  }

  // ---- events, to the listener ----

  protected emitMessage(data: Uint8Array, isText: boolean): void {
    this.listener.onMessage(data, isText);
  }
  protected emitPing(data: Uint8Array): void {
    this.listener.onPing?.(data);
  }
  protected emitPong(data: Uint8Array): void {
    this.listener.onPong?.(data);
  }
  protected emitDrain(): void {
    this.listener.onDrain?.();
  }
  protected emitError(error: WebSocketError): void {
    this.listener.onError?.(error);
  }
  protected emitClose(code: number, reason: string, wasClean: boolean): void {
    this.listener.onClose?.(code, reason, wasClean);
  }

  // ---- failing before open ----

  protected failConnecting(error: WebSocketError): void {
    this.failHandshake(error);
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
    this.call(() => this.emitError(error));
    this.call(() => this.emitClose(1006, '', false));
  }

  // Listens to the user's signal: made only for a connection given one.
  private onAbort: (() => void) | null = null;
  /** The user's signal: connecting stops with ERR_ABORTED; an open connection starts its close handshake. */
  private aborted(): void {
    if (this.readyState === CONNECTING) {
      const reason = this.options.signal?.reason;
      const why = reason instanceof Error ? `: ${reason.message}` : '';
      this.failHandshake(new WebSocketError('ERR_ABORTED', `Connecting to ${this.where} was aborted${why}`));
    } else if (this.readyState === OPEN) this.close(1000, 'aborted');
  }

  protected override stopTimers(): void {
    clearTimeout(this.bodyTimer);
    this.bodyTimer = undefined;
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    super.stopTimers();
  }

  /** The transport closed: while connecting, the handshake failed; once open, the connection is over. */
  override onClose(error?: Error): void {
    if (this.readyState === CONNECTING) {
      this.refused(this.handshakeFailure(error));
      return;
    }
    super.onClose(error);
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
    this.abort = new AttemptAbort();
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
    return new OpeningHandshake(
      this.endpoint,
      this.options.protocols ?? [],
      headers,
      this.options.perMessageDeflate,
      this.platform.sha1Base64,
    );
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
