// The cross-runtime benchmark: every client, each in its own process, in a request/response loop
// against one echo server; rounds interleave the clients; results go to a table, JSON, CSV and charts.
// `--connections N` runs the many-connections scenario instead (bench/connections/).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { parseOptions, usage, type BenchOptions } from './options.ts';
import { allClients, type ClientSpec } from './matrix.ts';
import { runClient } from './run-client.ts';
import { startEchoServer } from './echo-server.ts';
import { describeEnvironment } from './environment.ts';
import { summarize, type Measurement } from './report/measurements.ts';
import { renderTables } from './report/table.ts';
import { writeResults } from './report/files.ts';
import { writeCharts } from './report/charts.ts';
import { runConnections } from './connections/run.ts';

function selectClients(options: BenchOptions): ClientSpec[] {
  const specs = allClients().filter(
    (s) =>
      (!options.clients || options.clients.includes(s.client)) &&
      (!options.runtimes || options.runtimes.includes(s.runtime)) &&
      // Beast's benchmark client speaks no permessage-deflate.
      !(options.deflate && s.runtime === 'c++'),
  );
  if (specs.length === 0) throw new Error('No client matches --clients/--runtimes');
  return specs;
}

function runMicro(): number {
  const file = new URL('./micro/index.ts', import.meta.url).pathname;
  const bin = new URL('../node_modules/.bin/', import.meta.url).pathname;
  let failed = 0;
  for (const [name, command, args] of [
    ['Node', 'node', ['--import', 'tsx', file]],
    ['Bun', `${bin}bun`, [file]],
    ['Deno', `${bin}deno`, ['run', '-A', file]],
  ] as const) {
    console.log(`\n===== micro-benchmarks on ${name} =====`);
    const result = spawnSync(command, [...args], { stdio: 'inherit' });
    if (result.status !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(usage);
    return 0;
  }
  if (options.micro) return runMicro();
  const specs = options.connections === null ? selectClients(options) : [];
  const server = await startEchoServer(options.server, options.deflate);
  const kills = new Set<() => void>();
  const onSignal = () => {
    for (const kill of kills) kill();
    void server.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const url = options.tls ? server.tlsUrl : server.url;
    if (!url) throw new Error(`${server.name} has no TLS port: --tls needs the Beast server (npm run build:native)`);
    const environment = describeEnvironment(server.name);
    console.log(`Server: ${server.name} at ${url}${options.deflate ? ', permessage-deflate on' : ''}`);
    console.log(
      `${environment.cpu}, ${environment.cores} cores, ${environment.os}; node ${environment.runtimes.node}, bun ${environment.runtimes.bun}, ${environment.runtimes.deno}`,
    );
    const register = (kill: () => void) => {
      kills.add(kill);
      return () => kills.delete(kill);
    };
    if (options.connections !== null)
      return await runConnections(
        options,
        url,
        options.tls ? (server.ca ?? undefined) : undefined,
        environment,
        register,
      );
    console.log(
      `${specs.length} clients × ${options.sizes.length} sizes × ${options.rounds} rounds, ${options.duration} s each after ${options.warmup} warm-up round trips`,
    );

    const measurements = new Map<string, Measurement>();
    for (const size of options.sizes) {
      for (const s of specs) {
        measurements.set(`${s.client}/${s.runtime}/${size}`, {
          client: s.client,
          label: s.label,
          runtime: s.runtime,
          api: s.api,
          size,
          tls: options.tls,
          rounds: [],
          median: null,
          min: null,
          max: null,
          failures: [],
        });
      }
    }
    const bar = new cliProgress.SingleBar(
      {
        format: ' {bar} {value}/{total} runs | {task}',
        hideCursor: true,
        clearOnComplete: true,
        noTTYOutput: true,
        notTTYSchedule: 5000,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.rounds * options.sizes.length * specs.length, 0, { task: 'starting' });
    const timeoutMs = (options.duration + 20) * 1000;
    for (let round = 0; round < options.rounds; round++) {
      for (const size of options.sizes) {
        // Rotate the order each round so that no client always runs first.
        const order = specs.map((_, i) => specs[(i + round) % specs.length]);
        for (const spec of order) {
          bar.update({ task: `round ${round + 1}: ${spec.label} on ${spec.runtime}, ${size} B` });
          const command = spec.command({
            url,
            size,
            duration: options.duration,
            warmup: options.warmup,
            ca: options.tls ? (server.ca ?? undefined) : undefined,
            deflate: options.deflate,
            payload: options.payload,
          });
          const outcome = await runClient(command, timeoutMs, register);
          const m = measurements.get(`${spec.client}/${spec.runtime}/${size}`)!;
          if (outcome.ok) m.rounds.push(outcome.rps);
          else m.failures.push(outcome.reason);
          bar.increment();
        }
      }
    }
    bar.stop();
    const all = [...measurements.values()];
    all.forEach(summarize);
    const mode = [options.tls ? 'TLS' : '', options.deflate ? 'permessage-deflate' : '', `${options.payload} payload`]
      .filter(Boolean)
      .join(', ');
    console.log(renderTables(all, options.sizes, mode));
    const out = resolve(options.out);
    writeResults(out, environment, options, all);
    const charts = await writeCharts(out, environment, all, options.sizes, mode, options.tls);
    console.log(`\nServer: ${server.name}`);
    console.log(`Results: ${out}/results.json, results.csv${charts.length ? `, ${charts.length} chart files` : ''}`);
    const failed = all.filter((m) => m.median === null);
    if (failed.length)
      console.log(`${failed.length} client/size combination(s) failed in every round: see the reasons above.`);
    const anyFailure = all.some((m) => m.failures.length > 0);
    return options.strict && anyFailure ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server.stop();
  }
}

process.exitCode = await main().catch((error: Error) => {
  console.error(`bench: ${error.message}`);
  return 1;
});
