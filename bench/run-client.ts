// Runs one client in its own process and reads its figure: a `RESULT {json}` line from the JS
// clients, `rps=N` from the Beast client. A client that fails or stalls is a failure with its reason.
import type { Command } from './matrix.ts';
import { type ProcessResult, runProcess } from './run-process.ts';

export type ClientOutcome = { ok: true; rps: number } | { ok: false; reason: string };

export async function runClient(
  cmd: Command,
  timeoutMs: number,
  register: (kill: () => void) => () => void,
): Promise<ClientOutcome> {
  let run: ProcessResult;
  try {
    run = await runProcess(cmd.command, cmd.args, { env: cmd.env, timeoutMs, keepStderr: 2000, register });
  } catch (error) {
    return { ok: false, reason: `could not start ${cmd.command}: ${(error as Error).message}` };
  }
  if (run.hung) return { ok: false, reason: `stalled: no result within ${Math.round(timeoutMs / 1000)} s` };
  const rps = parseResult(run.stdout);
  if (run.code === 0 && rps !== null && rps > 0) return { ok: true, rps };
  const tail = lastLine(run.stderr) || lastLine(run.stdout) || 'no output';
  return { ok: false, reason: `${run.signal ? `killed by ${run.signal}` : `exit ${run.code}`}: ${tail}` };
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
  const lines = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes being removed.
    .replace(/\x1b\[[0-9;]*m/g, '')
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.find((l) => /error/i.test(l));
  return (error ?? lines.at(-1) ?? '').slice(0, 300);
}
