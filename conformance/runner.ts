// Runs echo agents (each in its own process, on its own runtime) against a fuzzing server started in
// this process, and collects the server's verdicts. Shared by run.ts (the cross-client report) and
// test/conformance/conformance.test.ts (our client on every runtime).
// With the roles swapped: runs our echo server (conformance/server-agent/, one process per runtime)
// and drives it with the fuzzing client (conformance/client/) from this process — run.ts --servers and
// test/conformance/server-conformance.test.ts.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult, CaseSpec } from './server/case.ts';
import type { FuzzingServer } from './server/server.ts';
import { runFuzzingClient, type SkippedCase } from './client/fuzzing-client.ts';
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
  /** The row's name: the client (or, with the roles swapped, the server) under test. */
  client: string;
  results: CaseResult[];
  /** Cases the server has but the agent never ran (it crashed or hung). */
  missing: string[];
  /** With the roles swapped: cases that do not apply to a server, with why. */
  skipped?: SkippedCase[];
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

// ---- the roles swapped: our server under the fuzzing client ----

/** An echo server agent: our server on one runtime. */
export interface ServerAgent {
  /** The report's row: "ours/node", "ours/bun", "ours/deno". */
  name: string;
  runtime: 'node' | 'bun' | 'deno';
  command: string;
  args: string[];
}

function serverAgent(runtime: ServerAgent['runtime']): ServerAgent {
  const name = `ours/${runtime}`;
  if (runtime === 'node')
    return { name, runtime, command: process.execPath, args: ['--import', 'tsx', 'conformance/server-agent/node.ts'] };
  if (runtime === 'bun')
    return { name, runtime, command: join(BIN, 'bun'), args: ['conformance/server-agent/agent.bun.ts'] };
  return { name, runtime, command: join(BIN, 'deno'), args: ['run', '-A', 'conformance/server-agent/agent.deno.ts'] };
}

/** Our server on each runtime. */
export const SERVERS: ServerAgent[] = [serverAgent('node'), serverAgent('bun'), serverAgent('deno')];

/** How long an agent may take to print its port, and to exit once stdin is closed. */
const AGENT_START = 60_000;
const AGENT_STOP = 5_000;

/**
 * Starts `agent`, runs `cases` against it with the fuzzing client (no new case starts after `timeout`
 * ms: the rest are missing, and the run is reported as hung), then stops it by closing its stdin
 * (SIGTERM, then SIGKILL, if it does not exit). `exitCode` is the agent's; an agent that never printed
 * its port runs no case.
 */
export async function runServerAgent(
  agent: ServerAgent,
  cases: CaseSpec[],
  timeout: number,
  onProgress?: (r: CaseResult) => void,
): Promise<ClientRun> {
  const started = performance.now();
  const child = spawn(agent.command, [...agent.args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
  child.stdin.on('error', () => {});
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  // Resolves when the agent has exited (or could not be started).
  const exited = new Promise<{ code: number | null }>((resolve) => {
    child.once('close', (code) => resolve({ code }));
    void spawnFailed.then(() => resolve({ code: null }));
  });
  const port = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), AGENT_START);
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const line = /^(\d+)\r?\n/m.exec(stdout);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    void exited.then(() => resolve(null));
    void spawnFailed.then((error) => {
      stderr += `\n${error.message}`;
      resolve(null);
    });
  });
  let run = { results: [] as CaseResult[], skipped: [] as SkippedCase[], missing: cases.map((c) => c.id) };
  let hung = false;
  try {
    if (port !== null) {
      run = await runFuzzingClient({ host: '127.0.0.1', port, cases, onCase: onProgress, deadline: timeout });
      hung = run.missing.length > 0;
    }
  } finally {
    child.stdin.end();
    const stopped = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), AGENT_STOP))]);
    if (stopped === null) {
      hung = true;
      child.kill('SIGTERM');
      const termed = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), AGENT_STOP))]);
      if (termed === null) child.kill('SIGKILL');
    }
  }
  const { code } = await exited;
  if (port === null) stderr += `\n(the agent printed no port within ${AGENT_START} ms)`;
  return {
    client: agent.name,
    results: run.results,
    missing: run.missing,
    skipped: run.skipped,
    exitCode: port === null && code === 0 ? -1 : code,
    hung,
    ms: Math.round(performance.now() - started),
    stderr,
  };
}
