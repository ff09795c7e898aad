// The server under test, runtime-neutral (no node:*, Bun.*, Deno.*): our serve() on a plain port, a TLS
// port and a keepalive port, with routes by path that the tests drive (server.test.ts), and a
// WebSocketServer (the ws-style class) echoing. The runtime's entry (serve-node.ts, serve.bun.ts,
// serve.deno.ts) passes its serve(), its WebSocketServer and a way to read its memory, prints the
// ports this returns, and calls stop() when its stdin ends.
import type {
  BaseWebSocketServer,
  Serve,
  Server,
  ServerConnection,
  ServerHandlers,
  WebSocketServerOptions,
} from '../../src/api.ts';
import { digest } from '../support/digest.ts';

export interface TestServerConfig {
  cert: string;
  /** Encrypted: the TLS server is given `passphrase` too, on every runtime. */
  key: string;
  passphrase: string;
}

/** Limits the tests push against. */
export const LIMITS = {
  maxMessage: 1024 * 1024,
  maxBufferedAmount: 1024 * 1024,
  handshakeTimeout: 1000,
  closeTimeout: 1000,
  pingInterval: 150,
  pongTimeout: 300,
} as const;

export interface Ports {
  plain: number;
  tls: number;
  keepalive: number;
  /** The WebSocketServer class: maxPayload CLASS_LIMITS.maxPayload, maxConnections CLASS_LIMITS.maxConnections. */
  wss: number;
}

export const CLASS_LIMITS = { maxPayload: 1000, maxConnections: 3 } as const;

export type WebSocketServerClass = new (options: WebSocketServerOptions) => BaseWebSocketServer;

/** What /stats reports. */
export interface Stats {
  clients: number;
  /** Errors reported by onError, by code. */
  errors: Record<string, number>;
  /** Refusals, by status. */
  refused: Record<string, number>;
  /** Connections closed, by the close code reported. */
  closed: Record<string, number>;
  /** The paths of the open connections, by server (plain, tls, keepalive). */
  open: string[][];
  /** Bytes of memory in use by the process (RSS). */
  rss: number;
}

const encoder = new TextEncoder();

export async function startTestServer(
  serve: Serve,
  WebSocketServer: WebSocketServerClass,
  config: TestServerConfig,
  rss: () => number,
): Promise<{ ports: Ports; stop(): Promise<void> }> {
  const counts: Omit<Stats, 'clients' | 'rss' | 'open'> = { errors: {}, refused: {}, closed: {} };
  const bump = (table: Record<string, number>, key: string | number) => {
    table[key] = (table[key] ?? 0) + 1;
  };
  const servers: Server[] = [];
  const closed = new WeakSet<ServerConnection>();
  const clients = () => servers.reduce((n, s) => n + s.clients.size, 0);

  const handlers: ServerHandlers = {
    onOpen(conn, request) {
      const url = new URL(request.url, 'http://x');
      const n = Number(url.searchParams.get('n') ?? 0);
      switch (url.pathname) {
        case '/stats': {
          const open = servers.map((s) => [...s.clients].map((c) => c.request?.url ?? '?'));
          const stats: Stats = { clients: clients(), ...counts, open, rss: rss() };
          conn.sendText(JSON.stringify(stats));
          break;
        }
        case '/request':
          // What the server saw of the request, for the tests to check.
          conn.sendText(JSON.stringify({ ...request, protocol: conn.protocol, extensions: conn.extensions }));
          break;
        case '/close':
          conn.close(Number(url.searchParams.get('code') ?? 1000), url.searchParams.get('reason') ?? '');
          break;
        case '/send': {
          // n binary messages of `size` bytes at once: a client that does not read is dropped at maxBufferedAmount.
          const payload = new Uint8Array(Number(url.searchParams.get('size') ?? 1024)).fill(0x61);
          for (let i = 0; i < n && conn.isOpen; i++) conn.send(payload);
          break;
        }
        case '/rtt':
          void conn.measureRoundTrip().then(
            (ms) => conn.sendText(`rtt ${ms}`),
            () => {},
          );
          break;
      }
    },
    onMessage(conn, data, isText) {
      if (closed.has(conn)) bump(counts.errors, 'EVENT_AFTER_CLOSE');
      const path = conn.request?.url ?? '';
      if (path.startsWith('/echo') || path === '/') conn.send(data, isText);
      else if (path.startsWith('/chaos')) {
        const before = digest(data);
        chaos(conn, data, isText);
        // The view stays as it was until the callback returns, whatever the callback did.
        if (digest(data) !== before) bump(counts.errors, 'VIEW_CHANGED');
      } else if (path.startsWith('/upper') && isText) {
        conn.sendText(new TextDecoder().decode(data).toUpperCase());
      }
    },
    onError(_conn, error) {
      bump(counts.errors, error.code);
    },
    onClose(conn: ServerConnection, code) {
      if (closed.has(conn)) bump(counts.errors, 'CLOSED_TWICE');
      closed.add(conn);
      bump(counts.closed, code);
    },
    onRefused(refused) {
      bump(counts.refused, refused.status);
    },
  };

  const common = {
    host: '127.0.0.1',
    maxMessage: LIMITS.maxMessage,
    maxBufferedAmount: LIMITS.maxBufferedAmount,
    handshakeTimeout: LIMITS.handshakeTimeout,
    closeTimeout: LIMITS.closeTimeout,
    perMessageDeflate: true,
    // The last of the offered protocols that is a "chat" one; none otherwise; "throw" makes it throw.
    handleProtocols: (offered: string[]) => {
      if (offered.includes('throw')) throw new Error('a secret detail');
      return [...offered].reverse().find((p) => p.startsWith('chat'));
    },
    verifyOrigin: (origin: string | undefined) => origin !== 'https://evil.example',
  };
  servers.push(await serve(common, handlers));
  servers.push(
    await serve({ ...common, tls: { cert: config.cert, key: config.key, passphrase: config.passphrase } }, handlers),
  );
  servers.push(
    await serve({ ...common, pingInterval: LIMITS.pingInterval, pongTimeout: LIMITS.pongTimeout }, handlers),
  );
  const [plain, tls, keepalive] = servers.map((s) => s.port);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...CLASS_LIMITS });
  wss.on('connection', (ws, request) => {
    ws.binaryType = 'arraybuffer';
    // The first message says what the server saw; then everything is echoed.
    ws.send(
      JSON.stringify({ url: request.url, clients: wss.clients.size, protocol: ws.protocol, state: ws.readyState }),
    );
    ws.onmessage = (event) => ws.send(event.data as string | ArrayBuffer);
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  return {
    ports: { plain, tls, keepalive, wss: wss.address()?.port ?? 0 },
    async stop() {
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      await Promise.all([...servers.map((s) => s.close()), closed]);
    },
  };
}

/**
 * /chaos: what an application may do from onMessage, picked by the message's first byte — echo twice,
 * send a large message, ping, close (then send), terminate, pause a moment, echo then close, measure a
 * round trip (the server fuzzer's connections).
 */
function chaos(conn: ServerConnection, data: Uint8Array, isText: boolean): void {
  switch (data.length > 0 ? data[0] % 8 : 0) {
    case 0:
      conn.send(data, isText);
      conn.send(data, isText);
      break;
    case 1:
      conn.send(new Uint8Array(200_000).fill(7));
      conn.send(data, isText);
      break;
    case 2:
      conn.ping(data.subarray(0, 125));
      conn.send(data, isText);
      break;
    case 3:
      conn.close(4000 + (data.length % 1000), 'chaos');
      conn.send(data, isText); // after close: not sent
      break;
    case 4:
      conn.terminate();
      break;
    case 5:
      conn.pause();
      setTimeout(() => conn.resume(), 20);
      conn.send(data, isText);
      break;
    case 6:
      conn.send(data, isText);
      conn.close(1000);
      break;
    default:
      conn.measureRoundTrip().catch(() => {});
      conn.send(data, isText);
  }
}

/** The line a runner prints once listening. */
export function portsLine(ports: Ports): string {
  return JSON.stringify({ ports });
}

export { encoder };
