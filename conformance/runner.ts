// Runs echo agents (each in its own process, on its own runtime) against a fuzzing server started in
// this process, and collects the server's verdicts. Shared by run.ts (the cross-client report) and
// test/conformance/conformance.test.ts (our client on every runtime).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './server/case.ts';
import type { FuzzingServer } from './server/server.ts';
import { runProcess } from '../bench/run-process.ts';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin');

export interface Client {
  /** The agent name, and the report's row: "ours/node", "native/bun", "ws/node". */
  name: string;
  runtime: 'node' | 'bun' | 'deno';
  impl: 'ours' | 'native' | 'ws';
  command: string;
  args: string[];
}

function client(impl: Client['impl'], runtime: Client['runtime']): Client {
  const base = { name: `${impl}/${runtime}`, runtime, impl };
  if (runtime === 'node') {
    const flags = impl === 'native' && !('WebSocket' in globalThis) ? ['--experimental-websocket'] : [];
    return {
      ...base,
      command: process.execPath,
      args: [...flags, '--import', 'tsx', 'conformance/agent/node.ts', '--client', impl],
    };
  }
  if (runtime === 'bun')
    return { ...base, command: join(BIN, 'bun'), args: ['conformance/agent/agent.bun.ts', '--client', impl] };
  return {
    ...base,
    command: join(BIN, 'deno'),
    args: ['run', '-A', 'conformance/agent/agent.deno.ts', '--client', impl],
  };
}

/** Every client the report covers: ours on each runtime, each runtime's native WebSocket, `ws` on Node. */
export const CLIENTS: Client[] = [
  client('ours', 'node'),
  client('ours', 'bun'),
  client('ours', 'deno'),
  client('native', 'node'),
  client('native', 'bun'),
  client('native', 'deno'),
  client('ws', 'node'),
];

export interface ClientRun {
  client: string;
  results: CaseResult[];
  /** Cases the server has but the agent never ran (it crashed or hung). */
  missing: string[];
  exitCode: number | null;
  hung: boolean;
  ms: number;
  stderr: string;
}

/** Runs one agent to its end (killed after `timeout` ms) and returns what the server judged. */
export async function runClient(
  server: FuzzingServer,
  c: Client,
  timeout: number,
  onProgress?: (r: CaseResult) => void,
): Promise<ClientRun> {
  const started = performance.now();
  let seen = 0;
  const report = () => {
    const done = server.results(c.name);
    while (seen < done.length) onProgress!(done[seen++]);
  };
  const poll = onProgress ? setInterval(report, 250) : undefined;
  try {
    const run = await runProcess(c.command, [...c.args, '--server', server.url, '--agent', c.name], {
      cwd: ROOT,
      env: { NO_COLOR: '1' },
      timeoutMs: timeout,
    });
    if (onProgress) report();
    const results = server.results(c.name);
    const have = new Set(results.map((r) => r.id));
    return {
      client: c.name,
      results,
      missing: server.cases.filter((s) => !have.has(s.id)).map((s) => s.id),
      exitCode: run.code,
      hung: run.hung,
      ms: Math.round(performance.now() - started),
      stderr: run.stderr,
    };
  } finally {
    clearInterval(poll);
  }
}
