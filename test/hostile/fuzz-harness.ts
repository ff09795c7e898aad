// Runs the client fuzzer (Node, parent side), for fuzz.test.ts (short) and fuzz-long.ts (long): makes a
// test CA, starts the hostile server (fuzz-server.ts), runs the driver in a child process per runtime
// and turns everything that went wrong into a list of findings, each with what replays it: what the
// child reported (invariants, uncaught errors, memory), what the server saw the client do, a non-zero
// exit, a hang, and a process still alive after its last connection closed (a leaked timer or socket).
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Api, Finding, FuzzConfig, Runtime } from './fuzz-driver.ts';
import { makeCertificates } from '../support/certificates.ts';
import { startFuzzServer, type FuzzServer } from './fuzz-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin');

export const RUNTIMES: Runtime[] = ['node', 'bun', 'deno'];

const COMMANDS: Record<Runtime, [string, string[]]> = {
  node: [process.execPath, ['--expose-gc', '--import', 'tsx', 'test/hostile/fuzz-run-node.ts']],
  bun: [join(BIN, 'bun'), ['test/hostile/fuzz-run.bun.ts']],
  deno: [join(BIN, 'deno'), ['run', '-A', '--v8-flags=--expose-gc', 'test/hostile/fuzz-run.deno.ts']],
};

/**
 * RSS growth (after a full collection) allowed beyond what open connections may hold, per runtime.
 * Total growth seen in runs of the fixed client: up to 65 MiB (Node), 135 MiB (Deno, whose allocator
 * keeps what it once used), with 40–80 MiB of that allowed for open connections. Bun: 70–110 MiB in
 * 40 s rounds and 103 MiB in one of 150 s (a plateau, not a leak), of which JSC's heap keeps 33–72 MiB
 * of capacity for 25 MiB live and the codec's memory 7 MiB; 48 MiB here failed one 40 s round in nine.
 */
const RSS_FIXED_MIB: Record<Runtime, number> = { node: 64, bun: 64, deno: 128 };

/** How long a child may stay alive after it printed its summary (all its connections closed). */
const EXIT_GRACE = 3000;

export interface FuzzEnvironment {
  server: FuzzServer;
  ca: string;
  stop(): Promise<void>;
}

export async function startFuzzEnvironment(): Promise<FuzzEnvironment> {
  const certs = makeCertificates();
  // FUZZ_TRACE=<file>: what the server did on each connection, one JSON line each, to pick seeds to replay.
  const traceFile = process.env.FUZZ_TRACE;
  const server = await startFuzzServer(certs, traceFile ? (line) => appendFileSync(traceFile, `${line}\n`) : undefined);
  return { server, ca: certs.ca, stop: () => server.stop() };
}

export interface RunOptions {
  seed: number;
  seconds: number;
  maxConnections?: number;
  concurrency?: number;
  replay?: FuzzConfig['replay'];
}

export interface RunResult {
  runtime: Runtime;
  seed: number;
  /** What went wrong, how to replay it; `kind` is the text with numbers blanked, to count a bug once. */
  findings: { kind: string; text: string }[];
  /** Known defects of the runtime that a check left out (the test reports them as todo). */
  known: string[];
  summary: {
    connections: number;
    seconds: number;
    rssBaselineMiB: number;
    rssPeakMiB: number;
    rssRawPeakMiB: number;
    rssBoundMiB: number;
    rssPeakOpen: string;
    counts: Record<string, number>;
  } | null;
}

let runs = 0;

/** `FUZZ_REPLAY=node:123:ll:tls,bun:456:ws:plain` → this runtime's connections to replay. */
export function replayFor(runtime: Runtime, spec = process.env.FUZZ_REPLAY): FuzzConfig['replay'] {
  if (!spec) return undefined;
  const list = spec
    .split(',')
    .map((s) => s.split(':'))
    .filter(([rt]) => rt === runtime)
    .map(([, seed, api, tls]) => ({
      seed: Number(seed) >>> 0,
      api: (api === 'ws' ? 'ws' : 'll') as Api,
      tls: tls === 'tls',
    }));
  return list;
}

function replayHint(runtime: Runtime, seed: number | null, api: string | null, tls: boolean | null): string {
  return seed === null || seed < 0 ? '' : ` (replay: FUZZ_REPLAY=${runtime}:${seed}:${api}:${tls ? 'tls' : 'plain'})`;
}

/** The finding with its numbers blanked: the same bug found twice counts once. */
function kindOf(runtime: Runtime, what: string): string {
  return `${runtime}: ${what
    .replace(/\(one of the connections open then:.*\)/, '')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 200)}`;
}

export async function runFuzzChild(env: FuzzEnvironment, runtime: Runtime, options: RunOptions): Promise<RunResult> {
  const run = `${runtime}-${process.pid}-${++runs}`;
  const config: FuzzConfig = {
    run,
    url: env.server.url,
    tlsUrl: env.server.tlsUrl,
    muteHost: env.server.muteHost,
    ca: env.ca,
    seed: options.seed,
    seconds: options.seconds,
    maxConnections: options.maxConnections ?? 100_000,
    concurrency: options.concurrency ?? 8,
    maxMessage: 256 * 1024,
    maxBufferedAmount: 1024 * 1024,
    rssFixedMiB: RSS_FIXED_MIB[runtime],
    ...(options.replay ? { replay: options.replay } : {}),
  };
  env.server.setRun(run);
  const [command, args] = COMMANDS[runtime];
  const hardTimeout = options.seconds * 1000 + 120_000;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, FUZZ_CONFIG: JSON.stringify(config), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const findings: RunResult['findings'] = [];
  const add = (what: string, detail = '') => findings.push({ kind: kindOf(runtime, what), text: what + detail });
  let summary: RunResult['summary'] = null;
  let stderr = '';
  let stray = '';
  let buffered = '';
  let hung = false;
  let late = false;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const hardTimer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, hardTimeout);

  const onLine = (line: string) => {
    let parsed: { type?: string } | null = null;
    try {
      parsed = JSON.parse(line);
    } catch {
      // not ours
    }
    if (parsed?.type === 'violation') {
      const f = parsed as unknown as Finding;
      const log = f.log?.length ? `\n    client did: ${f.log.join(' → ')}` : '';
      const stack = f.stack ? `\n    ${f.stack.split('\n').slice(0, 8).join('\n    ')}` : '';
      add(`[${runtime} client] ${f.what}`, `${replayHint(runtime, f.seed, f.api, f.tls)}${stack}${log}`);
    } else if (parsed?.type === 'summary') {
      summary = parsed as unknown as RunResult['summary'];
      graceTimer = setTimeout(() => {
        late = true;
        child.kill('SIGKILL');
      }, EXIT_GRACE);
    } else if (line.trim() !== '' && stray.length < 4000) stray += `${line}\n`;
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-6000)));
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  clearTimeout(hardTimer);
  clearTimeout(graceTimer);
  if (buffered) onLine(buffered);
  const tail = `${stderr.trim() ? `\n    stderr: ${stderr.trim().split('\n').slice(-15).join('\n    ')}` : ''}${stray.trim() ? `\n    stdout: ${stray.trim()}` : ''}`;
  const whole = ` (run seed ${options.seed}: FUZZ_SEED=${options.seed})`;
  if (hung) add(`[${runtime}] the child did not finish within ${hardTimeout} ms (hang)`, whole + tail);
  else if (late)
    add(
      `[${runtime}] the child was still alive ${EXIT_GRACE} ms after all its connections had closed: a timer or socket outlived its connection`,
      whole + tail,
    );
  else if (code !== 0) add(`[${runtime}] the child exited with code ${code} (signal ${signal})`, whole + tail);
  else if (!summary) add(`[${runtime}] the child exited without a summary`, whole + tail);
  // Give the server a moment to judge the last connections' ends.
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const v of env.server.violations(run)) {
    add(
      `[${runtime} server] ${v.what}`,
      `${replayHint(runtime, v.seed, v.api, v.tls)}\n    server did: ${v.steps.join(' → ')}`,
    );
  }
  const s = env.server.stats(run);
  const final = summary as RunResult['summary'];
  if (final) final.counts = { ...final.counts, ...prefix('server ', s.steps) };
  const known = env.server.known().filter((k) => k.toLowerCase().startsWith(runtime));
  return { runtime, seed: options.seed, findings, summary, known };
}

function prefix(p: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [p + k, v]));
}

export function describeSummary(r: RunResult): string {
  const s = r.summary;
  if (!s) return `${r.runtime}: seed ${r.seed}, no summary`;
  return `${r.runtime}: seed ${r.seed}, ${s.connections} connections in ${s.seconds} s, RSS after GC ${s.rssBaselineMiB} → peak ${s.rssPeakMiB} MiB (bound ${s.rssBoundMiB}, highest without GC ${s.rssRawPeakMiB}; open at the peak: ${s.rssPeakOpen || 'none'}), ${r.findings.length} findings`;
}
