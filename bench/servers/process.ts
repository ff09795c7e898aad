// Runs one echo server of `--servers` in its own process: starts it, waits for its listening line
// (the protocol is in common.ts), asks it to collect garbage, reads its RSS and CPU time, and stops it (SIGTERM,
// then SIGKILL after 5 s). A server that cannot start is a failure with its reason, never a crash of
// the benchmark.
// The many-connections driver talks to the benchmark in lines as well (connections.ts).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Command } from '../matrix.ts';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const GC_TIMEOUT_MS = 10_000;
const STDERR_KEEP = 4000;

/** The line of a process's errors that says most: the first naming an error, else the last. */
export function lastError(text: string): string {
  const lines = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes being removed.
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? '').slice(0, 300);
}

/** VmRSS of a process in bytes, from /proc (null where there is none). */
export function readRss(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

let clockTicks: number | null | undefined;
/** Clock ticks per second, the unit of /proc's CPU times (null where getconf cannot say). */
function ticksPerSecond(): number | null {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || null;
    } catch {
      clockTicks = null;
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process (every thread) in seconds, from /proc (null where there is none). */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command's name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = ticksPerSecond();
    const used = Number(fields[11]) + Number(fields[12]);
    return ticks === null || !Number.isFinite(used) ? null : used / ticks;
  } catch {
    return null;
  }
}

/** A child process read line by line, written to in lines. */
export interface LineProcess {
  child: ChildProcess;
  /** The next line of stdout that `match` accepts, or null after `timeoutMs` or once the process has ended. */
  nextLine(match: (line: string) => boolean, timeoutMs: number): Promise<string | null>;
  write(line: string): void;
  /** How the process ended (`exit N`, `killed by SIG…`), and the line of its errors that says most; null while it runs. */
  ended(): string | null;
  exit(): string | null;
  stderr(): string;
  /** Settles once the process has ended and its output has been read. */
  closed: Promise<void>;
}

/** Rejects only when the command cannot be started. `register` lets the caller kill it early (Ctrl-C). */
export function spawnLines(
  command: Command,
  stdin: boolean,
  register: (kill: () => void) => () => void,
): Promise<LineProcess> {
  const child = spawn(command.command, command.args, {
    env: { ...process.env, ...command.env },
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const unregister = register(() => child.kill('SIGKILL'));
  // A benchmark that dies without stopping it must not leave it behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  let exit: string | null = null;
  const waiters: ((line: string) => void)[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_KEEP)));
  let pending = '';
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
      const line = pending.slice(0, at).trim();
      pending = pending.slice(at + 1);
      for (const waiter of waiters.splice(0)) waiter(line);
    }
  });
  // A write to a process that has gone is its exit's business, not an uncaught EPIPE here.
  child.stdin?.on('error', () => {});
  const closed = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exit ${code}`;
      process.off('exit', killOnExit);
      unregister();
      resolve();
    });
  });
  const ended = () => {
    if (exit === null) return null;
    const why = lastError(stderr);
    return why ? `${exit}: ${why}` : exit;
  };
  const lines: LineProcess = {
    child,
    nextLine: (match, timeoutMs) =>
      new Promise((resolve) => {
        let settled = false;
        const done = (line: string | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => done(null), timeoutMs);
        const wait = (line: string) => (match(line) ? done(line) : !settled && waiters.push(wait));
        waiters.push(wait);
        void closed.then(() => setTimeout(() => done(null), 0));
      }),
    write: (line) => void child.stdin?.write(`${line}\n`),
    ended,
    exit: () => exit,
    stderr: () => stderr,
    closed,
  };
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(lines));
    child.once('error', reject);
  });
}

export interface RunningServer {
  pid: number;
  port: number;
  /** Why the process has ended, once it has: its exit and the last line of its errors. */
  ended(): string | null;
  /**
   * Full collections in the server (when it reads `gc` on stdin and its runtime has a gc()): true once
   * done, false where there is none to call (the Beast server, or a runtime without one).
   */
  gc(): Promise<boolean>;
  /** VmRSS of the process in bytes, from /proc (null where there is none). */
  rss(): number | null;
  /** The process's CPU time so far (user + system, every thread) in seconds, from /proc (null where there is none). */
  cpuSeconds(): number | null;
  /** SIGTERM, then SIGKILL after 5 s; what went wrong in stopping, or null when it exited as it should. */
  stop(): Promise<string | null>;
}

export type StartOutcome = { ok: true; server: RunningServer } | { ok: false; reason: string };

/** Where the listening line gives the port: `port=` (the JS servers), or `plain=`/`tls=` (Beast). */
function portOf(line: string, tls: boolean): number | null {
  const own = /\bport=(\d+)/.exec(line);
  if (own) return Number(own[1]);
  const beast = (tls ? /\btls=(\d+)/ : /\bplain=(\d+)/).exec(line);
  return beast ? Number(beast[1]) : null;
}

/**
 * Starts `command`, a server printing the listening line; `controlled`: it reads `gc` lines on stdin
 * and stops when stdin ends (common.ts).
 */
export async function startServer(
  command: Command,
  tls: boolean,
  controlled: boolean,
  register: (kill: () => void) => () => void,
): Promise<StartOutcome> {
  let proc: LineProcess;
  try {
    proc = await spawnLines(command, controlled, register);
  } catch (error) {
    return { ok: false, reason: `could not start ${command.command}: ${(error as Error).message}` };
  }
  const { child, nextLine, ended, closed } = proc;
  const line = await nextLine((l) => l.startsWith('listening '), START_TIMEOUT_MS);
  const port = line === null ? null : portOf(line, tls);
  if (port === null) {
    // Exited or silent: make sure it is gone, then say why.
    const silent = line === null && proc.exit() === null;
    if (proc.exit() === null) child.kill('SIGKILL');
    await closed;
    const tail = lastError(proc.stderr());
    return {
      ok: false,
      reason: silent
        ? `server did not print its listening line within ${START_TIMEOUT_MS / 1000} s${tail ? `: ${tail}` : ''}`
        : `server exited before listening (${ended()})`,
    };
  }
  return {
    ok: true,
    server: {
      pid: child.pid ?? -1,
      port,
      ended,
      async gc() {
        if (!controlled || proc.exit() !== null) return false;
        const answer = nextLine((l) => l.startsWith('gc '), GC_TIMEOUT_MS);
        proc.write('gc');
        return (await answer) === 'gc done';
      },
      rss: () => (child.pid === undefined || proc.exit() !== null ? null : readRss(child.pid)),
      cpuSeconds: () => (child.pid === undefined || proc.exit() !== null ? null : readCpuSeconds(child.pid)),
      async stop() {
        if (proc.exit() !== null) return `it had ended before it was stopped (${ended()})`;
        child.kill('SIGTERM');
        let forced = false;
        const timer = setTimeout(() => {
          forced = true;
          child.kill('SIGKILL');
        }, STOP_TIMEOUT_MS);
        await closed;
        clearTimeout(timer);
        if (forced) return `it did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM`;
        const exit = proc.exit();
        return exit === 'exit 0' || exit === 'killed by SIGTERM' ? null : `it stopped with ${ended()}`;
      },
    },
  };
}
