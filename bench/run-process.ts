// Runs a command in its own process to its end: its output, its exit, and whether it hung (then it is
// killed). Shared by the benchmark, the conformance runner and the client tests' parent.
import { spawn } from 'node:child_process';

export interface ProcessOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Killed (SIGKILL) after this many milliseconds, and reported as hung. */
  timeoutMs: number;
  /** Characters of stderr kept, from the end (stdout is kept whole). */
  keepStderr?: number;
  /** Lets a caller kill it early (Ctrl-C); returns the undo. */
  register?: (kill: () => void) => () => void;
  /** Each chunk of stdout as it comes (the whole of it is in the result as well). */
  onStdout?: (chunk: string) => void;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  hung: boolean;
  stdout: string;
  stderr: string;
}

/** Rejects only when the command cannot be started. */
export function runProcess(command: string, args: string[], options: ProcessOptions): Promise<ProcessResult> {
  const keep = options.keepStderr ?? 8000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const unregister = options.register?.(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-keep)));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      unregister?.();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      unregister?.();
      resolve({ code, signal, hung, stdout, stderr });
    });
  });
}
