// The echo agent, runtime-neutral (no node:*, Bun.*, Deno.*): any WHATWG-style WebSocket class drives
// the Autobahn driving protocol — /getCaseCount, then /runCase?case=N&agent=NAME for each case, echoing
// every message (text as text, binary as binary) until the server closes, then /updateReports. The
// entry files (node.ts, agent.bun.ts, agent.deno.ts) pick the WebSocket class and call runAgent.
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  // Each runtime's WebSocket types its events its own way: an agent reads only data, code and reason.
  onopen: ((event: never) => unknown) | null;
  onmessage: ((event: never) => unknown) | null;
  onerror: ((event: never) => unknown) | null;
  onclose: ((event: never) => unknown) | null;
}
export type WebSocketClass = new (url: string) => WebSocketLike;

export interface AgentOptions {
  WebSocket: WebSocketClass;
  /** ws://host:port of the fuzzing server. */
  server: string;
  agent: string;
  /** A case whose connection has not closed after this long is given up (the server judges it). */
  caseTimeout?: number;
  log?: (line: string) => void;
}

interface Session {
  messages: (string | ArrayBuffer)[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens `url`; `onMessage` sees every message; resolves with the close event when the connection ends. */
function open(
  WS: WebSocketClass,
  url: string,
  onMessage: (ws: WebSocketLike, data: unknown) => void,
  timeout: number,
): Session {
  const messages: (string | ArrayBuffer)[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    let ws: WebSocketLike;
    const timer = setTimeout(() => {
      try {
        ws?.close();
      } catch {
        // closing already
      }
      resolve({ code: -1, reason: `agent gave up after ${timeout} ms` });
    }, timeout);
    try {
      ws = new WS(url);
    } catch (error) {
      clearTimeout(timer);
      resolve({ code: -2, reason: String(error) });
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event: { data: unknown }) => onMessage(ws, event.data);
    ws.onerror = () => {};
    ws.onclose = (event: { code: number; reason: string }) => {
      clearTimeout(timer);
      resolve({ code: event.code, reason: event.reason });
    };
  });
  return { messages, closed };
}

function echo(ws: WebSocketLike, data: unknown): void {
  try {
    if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data))
      ws.send(data as string | ArrayBuffer);
    else throw new TypeError(`unexpected message data ${Object.prototype.toString.call(data)}`);
  } catch {
    // closing: the server judges what arrived
  }
}

export async function runAgent(options: AgentOptions): Promise<number> {
  const { WebSocket: WS, server, agent } = options;
  const log = options.log ?? (() => {});
  const caseTimeout = options.caseTimeout ?? 180_000;
  let count = NaN;
  const counter = open(WS, `${server}/getCaseCount`, (_ws, data) => (count = Number(data)), 10_000);
  await counter.closed;
  if (!Number.isInteger(count)) throw new Error(`${server}/getCaseCount did not send a case count`);
  log(`${agent}: ${count} cases`);
  const name = encodeURIComponent(agent);
  for (let n = 1; n <= count; n++) {
    const session = open(WS, `${server}/runCase?case=${n}&agent=${name}`, echo, caseTimeout);
    await session.closed;
  }
  await open(WS, `${server}/updateReports?agent=${name}`, () => {}, 10_000).closed;
  log(`${agent}: done`);
  return count;
}

/** `--name value` pairs. */
export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
      else out[a.slice(2)] = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    }
  }
  return out;
}

export const USAGE = 'usage: <agent> --server ws://127.0.0.1:9001 --agent NAME --client ours|native|ws';

/** An agent's entry: runs with the given WebSocket implementation, exits 0 when every case ran, 1 on failure. */
export async function agentMain(
  WebSocket: WebSocketClass,
  args: Record<string, string>,
  exit: (code: number) => never,
): Promise<never> {
  try {
    await runAgent({ WebSocket, server: args.server, agent: args.agent, log: (l) => console.error(l) });
    return exit(0);
  } catch (error) {
    console.error(error);
    return exit(1);
  }
}
