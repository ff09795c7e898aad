// A WebSocketServer with ws's essentials over the server core: `on('connection', (ws, request) => …)`,
// `clients`, `close()`, `handleUpgrade()` and the `server` / `noServer` modes. Each connection is our
// WebSocket (the WHATWG interface: onmessage, send, close), open when `connection` fires.
import type { Platform } from './platform.ts';
import type { ConnectionListener } from './protocol/connection.ts';
import type { ServerHandlers } from './server/handlers.ts';
import type { ServerOptions } from './server/options.ts';
import { ServerCore } from './server/server-core.ts';
import type { ServerConnection } from './server/server-connection.ts';
import type { UpgradeRequest } from './server/upgrade-request.ts';
import { type BaseWebSocket, adoption } from './websocket.ts';

export interface WebSocketServerOptions extends ServerOptions {
  /** Answer only what handleUpgrade() hands over: no listening socket of its own. */
  noServer?: boolean;
  /** An HTTP server (Node's http or https) whose upgrade events this server answers, instead of listening. */
  server?: { on(event: 'upgrade', listener: (request: unknown, socket: unknown, head: unknown) => void): unknown };
  /** ws's name for maxMessage. */
  maxPayload?: number;
}

type Listener = (...args: never[]) => void;

interface WebSocketServerEvents {
  connection: (socket: BaseWebSocket, request: UpgradeRequest) => void;
  listening: () => void;
  error: (error: Error) => void;
  close: () => void;
}

/** Makes the runtime's WebSocket for a server's connection. */
export type AdoptWebSocket = (adopted: ReturnType<typeof adoption>) => BaseWebSocket;

export class BaseWebSocketServer {
  /** The open connections, as WebSockets. */
  readonly clients: Set<BaseWebSocket> = new Set();
  readonly options: WebSocketServerOptions;
  readonly #core: ServerCore;
  readonly #listeners = new Map<string, Listener[]>();
  #listening = false;
  #closed = false;

  constructor(
    options: WebSocketServerOptions,
    callback: (() => void) | undefined,
    platform: Platform,
    adopt: AdoptWebSocket,
  ) {
    const { noServer, server, maxPayload, ...rest } = options ?? {};
    this.options = options;
    if (maxPayload !== undefined && rest.maxMessage === undefined) rest.maxMessage = maxPayload;
    const scheme = rest.tls ? 'wss' : 'ws';
    const handlers: ServerHandlers = {
      onOpen: (connection, request) => {
        const host = request.headers.host ?? `${this.#core.host}:${this.#core.port}`;
        const upgraded = (connection.data as Slot | undefined)?.upgraded;
        const slot: Slot = { ws: null, listener: null };
        connection.data = slot;
        slot.ws = adopt(adoption(connection, `${scheme}://${host}${request.url}`, (l) => (slot.listener = l)));
        this.clients.add(slot.ws);
        if (upgraded) upgraded(slot.ws);
        else this.#emit('connection', slot.ws, request);
      },
      onMessage: (connection, data, isText) => listenerOf(connection)?.onMessage(data, isText),
      onPing: (connection, data) => listenerOf(connection)?.onPing?.(data),
      onPong: (connection, data) => listenerOf(connection)?.onPong?.(data),
      onDrain: (connection) => listenerOf(connection)?.onDrain?.(),
      onError: (connection, error) => listenerOf(connection)?.onError?.(error),
      onClose: (connection, code, reason, wasClean) => {
        const ws = (connection.data as Slot | undefined)?.ws;
        if (ws) this.clients.delete(ws);
        listenerOf(connection)?.onClose?.(code, reason, wasClean);
      },
    };
    this.#core = new ServerCore(rest, handlers, platform);
    if (callback) this.once('listening', callback);
    if (server) {
      server.on('upgrade', (request, socket, head) => this.#core.handleUpgrade(request, socket, head));
      queueMicrotask(() => this.#emit('listening'));
    } else if (!noServer) {
      this.#core.listen().then(
        () => {
          this.#listening = true;
          this.#emit('listening');
        },
        (error: Error) => this.#emit('error', error),
      );
    }
  }

  /** The address listened on: { address, port }, null before listening and in the noServer and server modes. */
  address(): { address: string; port: number } | null {
    return this.#listening && !this.#closed ? { address: this.#core.host, port: this.#core.port } : null;
  }

  /**
   * For an HTTP server's upgrade event: answers the request over its socket; `callback` gets the
   * WebSocket once open (as in ws, `connection` is not emitted for it unless the callback does).
   */
  handleUpgrade(request: unknown, socket: unknown, head: unknown, callback?: (ws: BaseWebSocket) => void): void {
    const connection = this.#core.handleUpgrade(request, socket, head);
    // It opens in a microtask (ServerConnection.adopt): the callback waits with it.
    if (callback) connection.data = { ws: null, listener: null, upgraded: callback } satisfies Slot;
  }

  /** Stops accepting, closes every connection with 1001, then emits `close` and calls `callback`. */
  close(callback?: (error?: Error) => void): void {
    if (this.#closed) {
      if (callback) queueMicrotask(() => callback(new Error('The server is not running')));
      return;
    }
    this.#closed = true;
    void this.#core.close().then(() => {
      this.#emit('close');
      callback?.();
    });
  }

  on<K extends keyof WebSocketServerEvents>(event: K, listener: WebSocketServerEvents[K]): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as Listener);
    this.#listeners.set(event, list);
    return this;
  }
  once<K extends keyof WebSocketServerEvents>(event: K, listener: WebSocketServerEvents[K]): this {
    const once = (...args: never[]) => {
      this.off(event, once as WebSocketServerEvents[K]);
      (listener as Listener)(...args);
    };
    return this.on(event, once as WebSocketServerEvents[K]);
  }
  off<K extends keyof WebSocketServerEvents>(event: K, listener: WebSocketServerEvents[K]): this {
    const list = this.#listeners.get(event);
    const at = list?.indexOf(listener as Listener) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
    return this;
  }

  #emit(event: keyof WebSocketServerEvents, ...args: unknown[]): void {
    const list = this.#listeners.get(event);
    if (event === 'error' && !list?.length) {
      // As an EventEmitter does: an error nobody listens for is thrown (asynchronously here).
      queueMicrotask(() => {
        throw args[0];
      });
      return;
    }
    for (const listener of [...(list ?? [])]) (listener as (...a: unknown[]) => void)(...args);
  }
}

/** What a connection keeps here: its WebSocket and the WebSocket's listener; before it opens, handleUpgrade's callback. */
interface Slot {
  ws: BaseWebSocket | null;
  listener: ConnectionListener | null;
  upgraded?: (ws: BaseWebSocket) => void;
}

function listenerOf(connection: ServerConnection): ConnectionListener | null {
  return (connection.data as Slot | undefined)?.listener ?? null;
}
