// Runs one client in its own process and reads its figures: a `RESULT {json}` line from the JS
// clients (requests per second, `latency` percentiles in µs, and `cpu`, its CPU time per round trip in µs),
// `rps=N` after `latency_us p50=… p90=… p99=… p999=… max=…` and `cpu_us=…` from the Beast client. A client
// that fails or stalls is a failure with its reason. A client that reports no latency or CPU time still
// counts: that figure is null.
import type { Command } from './matrix.ts';
import { type ClientFigures, type Latency, latencyKeys } from './report/measurements.ts';
import { type ProcessResult, runProcess } from './run-process.ts';

export type ClientOutcome = ({ ok: true } & ClientFigures) | { ok: false; reason: string };

export async function runClient(
  cmd: Command,
  timeoutMs: number,
  register: (kill: () => void) => () => void,
  onStdout?: (chunk: string) => void,
): Promise<ClientOutcome> {
  let run: ProcessResult;
  try {
    run = await runProcess(cmd.command, cmd.args, {
      env: cmd.env,
      timeoutMs,
      keepStderr: 2000,
      register,
      onStdout,
    });
  } catch (error) {
    return { ok: false, reason: `could not start ${cmd.command}: ${(error as Error).message}` };
  }
  if (run.hung) return { ok: false, reason: `stalled: no result within ${Math.round(timeoutMs / 1000)} s` };
  const result = parseResult(run.stdout);
  if (run.code === 0 && result && result.rps > 0) return { ok: true, ...result };
  const tail = lastLine(run.stderr) || lastLine(run.stdout) || 'no output';
  return { ok: false, reason: `${run.signal ? `killed by ${run.signal}` : `exit ${run.code}`}: ${tail}` };
}

/** The figures in a client's output, or null when it printed none. */
export function parseResult(stdout: string): ClientFigures | null {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line.startsWith('RESULT ')) {
      const result = JSON.parse(line.slice(7)) as { rps: unknown; latency?: Record<string, unknown>; cpu?: unknown };
      return { rps: Number(result.rps), latency: latencyFrom(result.latency), cpu: nonNegative(result.cpu) };
    }
    if (line.startsWith('rps=')) {
      // The Beast client prints its latency and CPU lines just before.
      const before = lines.slice(0, i).reverse();
      const latencyLine = before.find((l) => l.trim().startsWith('latency_us '));
      const cpuLine = before.find((l) => l.trim().startsWith('cpu_us='));
      const fields = latencyLine
        ? Object.fromEntries(
            latencyLine
              .trim()
              .split(/\s+/)
              .slice(1)
              .map((kv) => kv.split('=') as [string, string]),
          )
        : undefined;
      return {
        rps: Number(line.slice(4)),
        latency: latencyFrom(fields),
        cpu: nonNegative(cpuLine?.trim().slice('cpu_us='.length)),
      };
    }
  }
  return null;
}

/** A Latency when every percentile is there and a non-negative number; otherwise null. */
function latencyFrom(fields: Record<string, unknown> | undefined): Latency | null {
  if (!fields) return null;
  const latency = {} as Latency;
  for (const key of latencyKeys) {
    const value = nonNegative(fields[key]);
    if (value === null) return null;
    latency[key] = value;
  }
  return latency;
}

/** A figure: a non-negative number, or a string that spells one; otherwise null. */
function nonNegative(field: unknown): number | null {
  const value = typeof field === 'number' || (typeof field === 'string' && field !== '') ? Number(field) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : null;
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
