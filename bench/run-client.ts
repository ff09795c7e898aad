// Runs one client in its own process and reads its figure: a `RESULT {json}` line from the JS
// clients, `rps=N` from the Beast client. A client that fails or stalls is a failure with its reason.
import { spawn } from 'node:child_process';
import type { Command } from './matrix.ts';

export type ClientOutcome = { ok: true; rps: number } | { ok: false; reason: string };

const KEEP = 2000;

export function runClient(cmd: Command, timeoutMs: number, register: (kill: () => void) => () => void): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(cmd.command, cmd.args, { env: { ...process.env, ...cmd.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const unregister = register(() => child.kill('SIGKILL'));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-KEEP)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-KEEP)));
    child.on('error', (error) => {
      clearTimeout(timer);
      unregister();
      resolve({ ok: false, reason: `could not start ${cmd.command}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      unregister();
      if (timedOut) return resolve({ ok: false, reason: `stalled: no result within ${Math.round(timeoutMs / 1000)} s` });
      const rps = parseResult(stdout);
      if (code === 0 && rps !== null && rps > 0) return resolve({ ok: true, rps });
      const tail = lastLine(stderr) || lastLine(stdout) || 'no output';
      resolve({ ok: false, reason: `${signal ? `killed by ${signal}` : `exit ${code}`}: ${tail}` });
    });
  });
}

function parseResult(stdout: string): number | null {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line.startsWith('RESULT ')) return Number(JSON.parse(line.slice(7)).rps);
    if (line.startsWith('rps=')) return Number(line.slice(4));
  }
  return null;
}

function lastLine(text: string): string {
  // Strip colours: Deno prints its errors in colour.
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /error/i.test(l));
  return (error ?? lines.at(-1) ?? '').slice(0, 300);
}
