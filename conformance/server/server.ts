// The fuzzing server: raw TCP (node:net), so a case can send any bytes, whole or in chops, with
// pauses. It speaks the Autobahn TestSuite's driving protocol, so the same echo agent runs against
// either:
//   GET /getCaseCount              a WebSocket that sends the number of cases as a text message, then closes
//   GET /runCase?case=N&agent=A    a WebSocket on which case N (1-based) runs against agent A
//   GET /updateReports?agent=A     a WebSocket that closes at once; marks A's run as done (onReport)
//   GET /results?agent=A           plain HTTP: A's results so far, JSON (for agents in other processes)
import { createHash } from 'node:crypto';
import type net from 'node:net';
import { Conn, runOn, type CaseResult, type CaseSpec } from './case.ts';
import { closePayload, OPCODE } from './case.ts';
import { httpReply, rawHttpServer } from './raw-http.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface FuzzingServerOptions {
  cases: CaseSpec[];
  port?: number;
  host?: string;
  /** Called when an agent asks /updateReports. */
  onReport?(agent: string, results: CaseResult[]): void;
  /** Called after each case. */
  onCase?(agent: string, result: CaseResult): void;
}

export interface FuzzingServer {
  url: string;
  port: number;
  cases: CaseSpec[];
  /** Results per agent, in case order. */
  results(agent: string): CaseResult[];
  /** Resolves when `agent` has asked /updateReports. */
  reported(agent: string): Promise<CaseResult[]>;
  stop(): Promise<void>;
}

export async function startFuzzingServer(options: FuzzingServerOptions): Promise<FuzzingServer> {
  const { cases } = options;
  const results = new Map<string, Map<string, CaseResult>>();
  const waiting = new Map<string, ((r: CaseResult[]) => void)[]>();
  const list = (agent: string) => cases.flatMap((c) => results.get(agent)?.get(c.id) ?? []);

  const server = rawHttpServer((socket, head) => void route(socket, head.requestLine, head.headers, head.rest));

  /** Answers the opening handshake; false (and a 400) when the request is not a WebSocket upgrade. */
  function upgrade(socket: net.Socket, headers: Record<string, string>, extensions = ''): boolean {
    const key = headers['sec-websocket-key'];
    if (!key || !/websocket/i.test(headers.upgrade ?? '')) {
      httpReply(socket, '400 Bad Request', 'expected a WebSocket upgrade');
      return false;
    }
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const extra = extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : '';
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extra}\r\n`,
    );
    return true;
  }

  /** A short-lived WebSocket: optional text message, close 1000, wait for the answer. */
  async function brief(socket: net.Socket, rest: Buffer, message?: string): Promise<void> {
    const c = new Conn(socket);
    socket.resume();
    if (rest.length > 0) c.onData(rest);
    if (message !== undefined) await c.send(OPCODE.text, message);
    await c.sendClose(closePayload(1000));
    await c.waitFor(() => c.clientClose() !== undefined || c.ended(), 2000);
    await c.finish();
  }

  async function route(
    socket: net.Socket,
    requestLine: string,
    headers: Record<string, string>,
    rest: Buffer,
  ): Promise<void> {
    const target = new URL(requestLine.split(' ')[1] ?? '/', 'http://x');
    const q = target.searchParams;
    const agent = q.get('agent') ?? 'unnamed';
    switch (target.pathname) {
      case '/results':
        httpReply(socket, '200 OK', JSON.stringify(list(agent)), 'application/json');
        return;
      case '/getCaseCount':
        if (upgrade(socket, headers)) await brief(socket, rest, String(cases.length));
        return;
      case '/updateReports': {
        if (!upgrade(socket, headers)) return;
        await brief(socket, rest);
        const done = list(agent);
        options.onReport?.(agent, done);
        for (const resolve of waiting.get(agent) ?? []) resolve(done);
        waiting.delete(agent);
        return;
      }
      case '/runCase': {
        const n = Number(q.get('case'));
        const spec = Number.isInteger(n) && n >= 1 ? cases[n - 1] : undefined;
        if (!spec) {
          httpReply(socket, '404 Not Found', `no case ${q.get('case')}`);
          return;
        }
        // permessage-deflate cases agree to the extension when the client offers it.
        const offer = headers['sec-websocket-extensions'] ?? '';
        const extensions = spec.deflate && /permessage-deflate/i.test(offer) ? spec.deflate(offer) : '';
        if (!upgrade(socket, headers, extensions)) return;
        const result = await runCase(spec, socket, rest, extensions);
        if (!results.has(agent)) results.set(agent, new Map());
        results.get(agent)!.set(spec.id, result);
        options.onCase?.(agent, result);
        return;
      }
      default:
        httpReply(socket, '404 Not Found', 'unknown path');
    }
  }

  async function runCase(spec: CaseSpec, socket: net.Socket, rest: Buffer, extensions: string): Promise<CaseResult> {
    const c = new Conn(socket, extensions);
    socket.resume();
    if (rest.length > 0) c.onData(rest);
    return runOn(spec, c);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ws://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    cases,
    results: list,
    reported(agent: string) {
      return new Promise<CaseResult[]>((resolve) => {
        const list = waiting.get(agent) ?? [];
        list.push(resolve);
        waiting.set(agent, list);
      });
    },
    async stop() {
      server.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { frame, groupOf } from './case.ts';
