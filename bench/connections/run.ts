// `--connections N`: every client on every runtime, each in its own process (bench/connections/child.ts),
// opens N connections to the echo server; rounds interleave the clients. Output: a table with the
// issue's targets as ratios, connections.json, connections.csv and a chart.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { progressBar } from '../progress.ts';
import type { Environment } from '../environment.ts';
import type { BenchOptions } from '../options.ts';
import { runProcess } from '../run-process.ts';
import { writeConnectionsChart } from './chart.ts';
import type { ChildResult } from './child.ts';
import { type ConnectionsSpec, connectionsClientNames, connectionsClients } from './matrix.ts';
import {
  type ConnectionsMeasurement,
  checkTargets,
  renderConnections,
  summarize,
  writeConnectionsResults,
} from './report.ts';

/** Descriptors beyond the N sockets: the runtime's own files, pipes, the event loop. */
const FD_MARGIN = 64;

function selectClients(options: BenchOptions): ConnectionsSpec[] {
  if (options.clients) {
    const unknown = options.clients.filter((c) => !connectionsClientNames.includes(c));
    if (unknown.length)
      throw new Error(
        `--connections runs only ${connectionsClientNames.join(', ')}; not ${unknown.join(', ')} (the Beast client opens one connection)`,
      );
  }
  const specs = connectionsClients().filter(
    (s) =>
      (options.clients ? options.clients.includes(s.client) : !s.optional) &&
      (!options.runtimes || options.runtimes.includes(s.runtime)),
  );
  if (specs.length === 0) throw new Error('No client matches --clients/--runtimes (--connections runs no c++ client)');
  return specs;
}

/**
 * Every client socket is a descriptor in the client's process, and one in the echo server's. Node,
 * Bun and Deno raise their soft limit to the hard one, and the children inherit it: what a shell
 * started from here reports is what the clients and the server get.
 */
export function checkOpenFiles(n: number, externalServer: boolean): void {
  const probe = spawnSync('sh', ['-c', 'ulimit -n; ulimit -Hn'], { encoding: 'utf8' });
  if (probe.status !== 0) return; // no sh: let a failing connection say EMFILE
  const [soft, hard] = probe.stdout.trim().split('\n');
  const limit = soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  if (!(limit < n + FD_MARGIN)) return;
  throw new Error(
    `--connections ${n} needs about ${n + FD_MARGIN} open files in each client process` +
      `${externalServer ? '' : ' and in the echo server'}, but the limit here is ${soft} (hard limit ${hard}): ` +
      `raise it before running, e.g. \`ulimit -n ${Math.max(4096, n * 2)}\` (above the hard limit: as root, ` +
      'or in /etc/security/limits.conf or the service manager), or run fewer connections',
  );
}

function parseResult(stdout: string): ChildResult | null {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('RESULT '));
  return line ? (JSON.parse(line.slice(7)) as ChildResult) : null;
}

function lastError(stderr: string, stdout: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes being removed.
  const lines = `${stderr}\n${stdout}`.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const useful = lines.map((l) => l.trim()).filter(Boolean);
  return (
    useful.find((l) => l.startsWith('connections:')) ??
    useful.find((l) => /error/i.test(l)) ??
    useful.at(-1) ??
    'no output'
  ).slice(0, 400);
}

export async function runConnections(
  options: BenchOptions,
  url: string,
  ca: string | undefined,
  environment: Environment,
  register: (kill: () => void) => () => void,
): Promise<number> {
  const n = options.connections!;
  const size = options.sizes[0];
  const specs = selectClients(options);
  checkOpenFiles(n, options.server !== null);
  // The loop's warm-up: a third of the measured time, at most a second.
  const warmup = Math.min(1, options.duration / 3);
  console.log(
    `${specs.length} clients × ${options.rounds} round(s): ${n} connections each, then all ${n} echoing ${size} B messages for ${options.duration} s after ${warmup.toFixed(2)} s of warm-up`,
  );
  const measurements = new Map<ConnectionsSpec, ConnectionsMeasurement>();
  for (const s of specs)
    measurements.set(s, {
      client: s.client,
      label: s.label,
      runtime: s.runtime,
      api: s.api,
      connections: n,
      size,
      tls: options.tls,
      rounds: [],
      median: null,
      min: null,
      max: null,
      connectCurve: [],
      failures: [],
    });
  const bar = progressBar(options.rounds * specs.length);
  // Generous: Bun took 12.5 ms per connect with 1000 open before the shared codec; 100 ms each is a stall.
  const timeoutMs = (30 + n * 0.1 + warmup + options.duration + 5) * 1000;
  for (let round = 0; round < options.rounds; round++) {
    const order = specs.map((_, i) => specs[(i + round) % specs.length]);
    for (const spec of order) {
      bar.update({ task: `round ${round + 1}: ${spec.label} on ${spec.runtime}, ${n} connections` });
      const m = measurements.get(spec)!;
      const cmd = spec.command({ url, connections: n, size, duration: options.duration, warmup, ca });
      try {
        const run = await runProcess(cmd.command, cmd.args, { env: cmd.env, timeoutMs, keepStderr: 4000, register });
        const result = run.code === 0 ? parseResult(run.stdout) : null;
        if (run.hung) m.failures.push(`stalled: no result within ${Math.round(timeoutMs / 1000)} s`);
        else if (result) m.rounds.push(result);
        else
          m.failures.push(
            `${run.signal ? `killed by ${run.signal}` : `exit ${run.code}`}: ${lastError(run.stderr, run.stdout)}`,
          );
      } catch (error) {
        m.failures.push(`could not start ${cmd.command}: ${(error as Error).message}`);
      }
      bar.increment();
    }
  }
  bar.stop();
  const all = [...measurements.values()];
  all.forEach(summarize);
  const targets = checkTargets(all);
  console.log(renderConnections(all, targets));
  const out = resolve(options.out);
  const files = writeConnectionsResults(out, environment, options, all, targets);
  files.push(...(await writeConnectionsChart(out, environment, all)));
  console.log(`\nResults: ${files.join(', ')}`);
  const failed = all.filter((m) => m.median === null);
  if (failed.length) console.log(`${failed.length} client(s) failed in every round: see the reasons above.`);
  return options.strict && all.some((m) => m.failures.length > 0) ? 1 : 0;
}
