// A WebSocket server, runtime-neutral: accepts connections (from a runtime's Listener, or handed over by
// an HTTP server's upgrade event), agrees each handshake under its options, keeps the set of
// connections, and shuts down gracefully (stop accepting, close every connection with 1001, resolve
// once all are closed).
import type { CompressorFactory } from '../deflate/compressor.ts';
import type { DeflateAgreement } from '../deflate/negotiation.ts';
import { acceptDeflate } from '../deflate/server-negotiation.ts';
import type { Accept, Listener, PeerAddress } from '../listener.ts';
import type { Platform } from '../platform.ts';
import { Role } from '../codec/abi.ts';
import { type EngineOptions, engineOptions } from '../protocol/connection-base.ts';
import { parseExtensions } from '../protocol/extension-header.ts';
import { acceptFor } from '../protocol/handshake.ts';
import type { Transport, TransportSink } from '../transport.ts';
import type { ServerHandlers } from './handlers.ts';
import { type ServerOptions, serverDefaults, validateServerOptions } from './options.ts';
import { ServerConnection } from './server-connection.ts';
import { type ParsedHead, Refusal, type UpgradeRequest, checkUpgrade } from './upgrade-request.ts';

/** What a handshake agreed to: the 101's choices, and its accept key once computed. */
export interface Agreed {
  request: UpgradeRequest;
  protocol: string;
  /** The response's Sec-WebSocket-Extensions value ('' for none). */
  extensions: string;
  deflate: DeflateAgreement | null;
  /** The Sec-WebSocket-Accept value. */
  accept: string;
}

export class ServerCore {
  readonly engine: EngineOptions;
  readonly handshakeTimeout: number;
  readonly closeTimeout: number;
  readonly pingInterval: number | undefined;
  readonly compressor: CompressorFactory;
  /** Open connections. */
  readonly clients: Set<ServerConnection> = new Set();
  // Every accepted socket until it closes, open or not: what shutdown waits for.
  private readonly sockets = new Set<ServerConnection>();
  private listener: Listener | null = null;
  private readonly platform: Platform;
  private stopping: { code: number; reason: string } | null = null;
  private drained: (() => void) | null = null;

  constructor(
    private readonly options: ServerOptions,
    private readonly handlers: ServerHandlers,
    platform: Platform,
  ) {
    validateServerOptions(options);
    if (handlers === null || typeof handlers !== 'object') throw new TypeError('The handlers must be an object');
    this.engine = engineOptions(Role.Server, options);
    this.handshakeTimeout = options.handshakeTimeout ?? serverDefaults.handshakeTimeout;
    this.closeTimeout = options.closeTimeout ?? serverDefaults.closeTimeout;
    this.pingInterval = options.pingInterval;
    this.compressor = platform.compressor;
    this.platform = platform;
  }

  /** Listens through the runtime; resolves once it does. */
  async listen(): Promise<void> {
    const { host = serverDefaults.host, port = 0, tls } = this.options;
    this.listener = await this.platform.listen(
      { host, port, tls, handshakeTimeout: this.handshakeTimeout },
      this.accept,
    );
  }

  /**
   * For an HTTP server's upgrade event (Node's http and https: `server.on('upgrade', (req, socket,
   * head) => wss.handleUpgrade(req, socket, head))`): the request is answered over its socket.
   */
  handleUpgrade(request: unknown, socket: unknown, head: unknown): ServerConnection {
    const upgrade = this.platform.upgrade;
    if (!upgrade) throw new TypeError("handleUpgrade takes an HTTP server's upgrade event, which this runtime has not");
    return upgrade(this, request, socket, head);
  }

  get host(): string {
    return this.listener?.host ?? this.options.host ?? serverDefaults.host;
  }
  get port(): number {
    return this.listener?.port ?? 0;
  }
  /** ws:// or wss:// and the address listened on. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.options.tls ? 'wss' : 'ws'}://${host}:${this.port}`;
  }

  /** A socket the listener accepted: its request is read and answered. */
  readonly accept: Accept = (open: (sink: TransportSink) => Transport, peer: PeerAddress): void => {
    const connection = this.track(peer);
    connection.attach(open(connection));
    const max = this.options.maxConnections;
    if (this.stopping !== null) connection.shutdown(this.stopping.code, this.stopping.reason);
    else if (max !== undefined && this.sockets.size > max) {
      connection.refuse(new Refusal(503, `The server has ${max} connections, its most`));
    }
  };

  /** A request an HTTP server read (its upgrade event): answered over its socket, `head` being what followed it. */
  adopt(
    open: (sink: TransportSink) => Transport,
    peer: PeerAddress,
    parsed: ParsedHead,
    head: Uint8Array,
  ): ServerConnection {
    const connection = this.track(peer);
    connection.adopt(open(connection), parsed, head);
    return connection;
  }

  private track(peer: PeerAddress): ServerConnection {
    const connection = new ServerConnection(this, this.handlers, peer.remoteAddress, peer.remotePort);
    this.sockets.add(connection);
    return connection;
  }

  /** What the handshake agrees to, or a Refusal (400, 403, 426, 503, 500 when a callback throws). */
  agree(parsed: ParsedHead, connection: ServerConnection): Agreed {
    if (this.stopping !== null) throw new Refusal(503, 'The server is shutting down');
    const { key, request } = checkUpgrade(parsed, connection.peer);
    const { verifyOrigin, handleProtocols, perMessageDeflate } = this.options;
    if (verifyOrigin && !verifyOrigin(request.origin, request)) {
      throw new Refusal(403, `Origin ${JSON.stringify(request.origin ?? null)} is not allowed`);
    }
    let protocol = '';
    if (request.protocols.length > 0) {
      const chosen = handleProtocols ? handleProtocols(request.protocols, request) : request.protocols[0];
      if (typeof chosen === 'string') {
        if (!request.protocols.includes(chosen)) {
          throw new Refusal(500, `handleProtocols chose ${JSON.stringify(chosen)}, which the client did not offer`);
        }
        protocol = chosen;
      }
    }
    let extensions = '';
    let deflate: DeflateAgreement | null = null;
    const offer = parsed.headers['sec-websocket-extensions'];
    if (perMessageDeflate && offer !== undefined) {
      let offers: ReturnType<typeof parseExtensions>;
      try {
        offers = parseExtensions(offer);
      } catch (error) {
        throw new Refusal(400, `Invalid Sec-WebSocket-Extensions header: ${(error as Error).message}`);
      }
      const accepted = acceptDeflate(offers, perMessageDeflate === true ? {} : perMessageDeflate);
      if (accepted !== null) {
        extensions = accepted.response;
        deflate = accepted.agreement;
      }
    }
    return { request, protocol, extensions, deflate, accept: acceptFor(key, this.platform.sha1Base64) };
  }

  opened(connection: ServerConnection): void {
    this.clients.add(connection);
    // Shutdown began during the handshake (a callback closed the server): it closes as the others did.
    if (this.stopping !== null) connection.close(this.stopping.code, this.stopping.reason);
  }

  /** Tells onRefused; `error`: what threw, for a 500. */
  refused(connection: ServerConnection, refusal: Refusal, error?: unknown): void {
    const { remoteAddress, remotePort } = connection;
    const refused = { status: refusal.status, reason: refusal.message, remoteAddress, remotePort };
    try {
      this.handlers.onRefused?.({ ...refused, request: connection.request, ...(error === undefined ? {} : { error }) });
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  closed(connection: ServerConnection): void {
    this.clients.delete(connection);
    this.sockets.delete(connection);
    if (this.sockets.size === 0) this.drained?.();
  }

  /**
   * Stops accepting, closes every open connection with `code` (1001, going away) and answers requests
   * under way with 503; resolves once every socket has closed (each within closeTimeout).
   */
  close(code = 1001, reason = ''): Promise<void> {
    this.listener?.close();
    this.listener = null;
    if (this.stopping === null) this.stopping = { code, reason };
    const done = new Promise<void>((resolve) => {
      if (this.sockets.size === 0) resolve();
      else {
        const previous = this.drained;
        this.drained = () => {
          previous?.();
          resolve();
        };
      }
    });
    for (const connection of [...this.sockets]) connection.shutdown(code, reason);
    return done;
  }
}
