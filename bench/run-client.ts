// Runs one client in its own process and reads its figures: a `RESULT {json}` line from the JS
// clients (requests per second, and `latency` percentiles in µs), `rps=N` after
// `latency_us p50=… p90=… p99=… p999=… max=…` from the Beast client. A client that fails or stalls
// is a failure with its reason. A client that reports no latency still counts: its latency is null.
import type { Command } from './matrix.ts';
import { type Latency, latencyKeys } from './report/measurements.ts';
import { type ProcessResult, runProcess } from './run-process.ts';

export type ClientOutcome = { ok: true; rps: number; latency: Latency | null } | { ok: false; reason: string };

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
  const result = parseResult(run.stdout);
  if (run.code === 0 && result && result.rps > 0) return { ok: true, ...result };
  const tail = lastLine(run.stderr) || lastLine(run.stdout) || 'no output';
  return { ok: false, reason: `${run.signal ? `killed by ${run.signal}` : `exit ${run.code}`}: ${tail}` };
}

/** The figures in a client's output, or null when it printed none. */
export function parseResult(stdout: string): { rps: number; latency: Latency | null } | null {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line.startsWith('RESULT ')) {
      const result = JSON.parse(line.slice(7)) as { rps: unknown; latency?: Record<string, unknown> };
      return { rps: Number(result.rps), latency: latencyFrom(result.latency) };
    }
    if (line.startsWith('rps=')) {
      // The Beast client prints its latency line just before.
      const latencyLine = lines
        .slice(0, i)
        .reverse()
        .find((l) => l.trim().startsWith('latency_us '));
      const fields = latencyLine
        ? Object.fromEntries(
            latencyLine
              .trim()
              .split(/\s+/)
              .slice(1)
              .map((kv) => kv.split('=') as [string, string]),
          )
        : undefined;
      return { rps: Number(line.slice(4)), latency: latencyFrom(fields) };
    }
  }
  return null;
}

/** A Latency when every percentile is there and a non-negative number; otherwise null. */
function latencyFrom(fields: Record<string, unknown> | undefined): Latency | null {
  if (!fields) return null;
  const latency = {} as Latency;
  for (const key of latencyKeys) {
    const field = fields[key];
    const value = typeof field === 'number' || typeof field === 'string' ? Number(field) : Number.NaN;
    if (!Number.isFinite(value) || value < 0) return null;
    latency[key] = value;
  }
  return latency;
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
