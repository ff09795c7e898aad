// The clients of the many-connections scenario, and the command that runs each in its own process
// (bench/connections/child.ts) with a gc() it can call.
import { fileURLToPath } from 'node:url';
import { type Command, type Runtime, runtimeCommand } from '../matrix.ts';

export interface ConnectionsRun {
  url: string;
  connections: number;
  size: number;
  duration: number;
  /** Seconds of the loop not counted. */
  warmup: number;
  ca?: string;
}

export interface ConnectionsSpec {
  client: string;
  runtime: Exclude<Runtime, 'c++'>;
  api: string;
  label: string;
  /** Only when named in --clients. */
  optional: boolean;
  command(run: ConnectionsRun): Command;
}

const child = fileURLToPath(new URL('./child.ts', import.meta.url));

function childCommand(runtime: ConnectionsSpec['runtime'], client: string, run: ConnectionsRun): Command {
  const library = client === 'ws-bufferutil' ? 'ws' : client;
  const args = [
    '--url',
    run.url,
    '--client',
    library,
    '--connections',
    String(run.connections),
    '--size',
    String(run.size),
    '--duration',
    String(run.duration),
    '--warmup',
    String(run.warmup),
  ];
  if (run.ca) args.push('--ca', run.ca);
  // Node 20 has a global WebSocket only behind --experimental-websocket (later versions ignore it).
  const command = runtimeCommand(runtime, child, args, run.ca, {
    node: ['--expose-gc', ...(library === 'native' ? ['--experimental-websocket'] : [])],
    deno: ['--v8-flags=--expose-gc'],
  });
  // As in the request/response matrix: `ws` is measured without bufferutil, `ws-bufferutil` with it.
  if (client === 'ws') command.env = { ...command.env, WS_NO_BUFFER_UTIL: '1' };
  return command;
}

export function connectionsClients(): ConnectionsSpec[] {
  const specs: ConnectionsSpec[] = [];
  const add = (client: string, runtime: ConnectionsSpec['runtime'], api: string, label: string, optional = false) =>
    specs.push({ client, runtime, api, label, optional, command: (run) => childCommand(runtime, client, run) });
  for (const runtime of ['node', 'bun', 'deno'] as const) {
    add('wasm-ws', runtime, 'connect', 'wasm-ws (low-latency API)');
    add('wasm-ws-class', runtime, 'WebSocket', 'wasm-ws (WebSocket class)');
    add('wasm-ws-c', runtime, 'connect', 'wasm-ws (C backend)', true);
    add('native', runtime, 'WebSocket', 'native WebSocket');
  }
  // ws on Bun is the npm package loaded by its file path (the bare name is Bun's own client).
  for (const runtime of ['node', 'bun'] as const) add('ws', runtime, 'ws', 'ws');
  add('ws-bufferutil', 'node', 'ws', 'ws + bufferutil', true);
  return specs;
}

/** The clients this scenario can run, for the error when --clients names none of them. */
export const connectionsClientNames = ['wasm-ws', 'wasm-ws-class', 'wasm-ws-c', 'native', 'ws', 'ws-bufferutil'];
