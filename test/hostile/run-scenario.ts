// Runs one hostile scenario in whichever runtime imports it, sampling RSS while it runs, and prints one
// JSON line: {name, ok, error, growth, maxGrowth, known}. Nothing here calls exit: a socket or timer the
// client leaks keeps the process alive, and the parent turns that into a failure.
import { scenarios, type HostileEnv } from './scenarios.ts';

export interface HostileConfig {
  url: string;
  tlsUrl: string;
  muteUrl: string;
  ca: string;
  scenario: string;
}

export interface Memory {
  rss(): number;
  /** Collects garbage where the runtime allows, so the baseline is not inflated by startup garbage. */
  gc(): void;
}

const TIMEOUT = 30_000;

/** The line the parent reads for an error nobody caught (the entry file sets the exit code). */
export function reportUncaught(kind: string, error: unknown): void {
  console.log(JSON.stringify({ uncaught: `${kind}: ${String((error as Error)?.stack ?? error)}` }));
}

export async function runScenario(env: Omit<HostileEnv, 'known'>, name: string, memory: Memory): Promise<void> {
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) throw new Error(`No scenario named ${JSON.stringify(name)}`);
  memory.gc();
  const base = memory.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, memory.rss())), 5);
  let error: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const known: string[] = [];
  try {
    await Promise.race([
      scenario.run({ ...env, known: (note) => known.push(note) }),
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT} ms`)), TIMEOUT)),
      ),
    ]);
  } catch (e) {
    error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
  }
  peak = Math.max(peak, memory.rss());
  const growth = peak - base;
  if (error === null && growth > scenario.maxGrowth) {
    error = `peak RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB, more than the bound of ${(scenario.maxGrowth / 2 ** 20).toFixed(1)} MiB`;
  }
  console.log(JSON.stringify({ name, ok: error === null, error, growth, maxGrowth: scenario.maxGrowth, known }));
}

export { scenarios };
