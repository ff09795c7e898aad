// The cross-runtime benchmark: every client, each in its own process, in a request/response loop
// against one echo server; rounds interleave the clients; results go to a table, JSON, CSV and charts.
// `--connections N` runs the many-connections scenario instead (bench/connections/); `--servers` measures
// the servers instead of the clients (bench/servers/).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { progressBar } from './progress.ts';
import { parseOptions, usage, type BenchOptions } from './options.ts';
import { allClients, type ClientSpec } from './matrix.ts';
import { runClient } from './run-client.ts';
import { startEchoServer } from './echo-server.ts';
import { describeEnvironment } from './environment.ts';
import { addRound, summarize, type Measurement } from './report/measurements.ts';
import { renderTables } from './report/table.ts';
import { writeResults } from './report/files.ts';
import { checkTargets, renderTargets } from './report/targets.ts';
import { writeCharts } from './report/charts.ts';
import { runConnections } from './connections/run.ts';
import { describePinning, onClientCpu, type Pinning, pinServerSide } from './pinning.ts';
import { runServers } from './servers/run.ts';
import { ensureFreshPackage } from './package.ts';

function selectClients(options: BenchOptions): ClientSpec[] {
  const specs = allClients().filter(
    (s) =>
      (!options.clients || options.clients.includes(s.client)) &&
      (!options.runtimes || options.runtimes.includes(s.runtime)) &&
      // Beast's benchmark client speaks no permessage-deflate, and sends binary messages only.
      !((options.deflate || options.payload === 'text') && s.runtime === 'c++') &&
      // The I/O floor sends one frame as it is: nothing to compress it.
      !(options.deflate && s.client === 'floor'),
  );
  if (specs.length === 0) throw new Error('No client matches --clients/--runtimes');
  return specs;
}

/** The micro-benchmarks on each runtime, with `filter` (a regular expression over their names) passed on. */
function runMicro(filter: string | null): number {
  const file = new URL('./micro/index.ts', import.meta.url).pathname;
  const bin = new URL('../node_modules/.bin/', import.meta.url).pathname;
  let failed = 0;
  for (const [name, command, args] of [
    ['Node', 'node', ['--import', 'tsx', file]],
    ['Bun', `${bin}bun`, [file]],
    ['Deno', `${bin}deno`, ['run', '-A', file]],
  ] as const) {
    console.log(`\n===== micro-benchmarks on ${name} =====`);
    const result = spawnSync(command, [...args, ...(filter ? [filter] : [])], { stdio: 'inherit' });
    if (result.status !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
}

/** Where one transport's runs go, and what they share. */
interface Target {
  url: string;
  tls: boolean;
  ca: string | undefined;
  pinning: Pinning | null;
  register: (kill: () => void) => () => void;
}

/** Every client at every size, `options.rounds` times, against one URL: the measurements, summarized. */
async function measure(specs: ClientSpec[], options: BenchOptions, target: Target): Promise<Measurement[]> {
  const { url, tls, ca, pinning, register } = target;
  const measurements = new Map<string, Measurement>();
  for (const size of options.sizes) {
    for (const s of specs) {
      measurements.set(`${s.client}/${s.runtime}/${size}`, {
        client: s.client,
        label: s.label,
        runtime: s.runtime,
        api: s.api,
        size,
        tls,
        rounds: [],
        median: null,
        min: null,
        max: null,
        failures: [],
      });
    }
  }
  const bar = progressBar(options.rounds * options.sizes.length * specs.length);
  const timeoutMs = (options.duration + 20) * 1000;
  for (let round = 0; round < options.rounds; round++) {
    for (const size of options.sizes) {
      // Rotate the order each round so that no client always runs first.
      const order = specs.map((_, i) => specs[(i + round) % specs.length]);
      for (const spec of order) {
        bar.update({ task: `round ${round + 1}: ${spec.label} on ${spec.runtime}, ${size} B` });
        const command = onClientCpu(
          spec.command({
            url,
            size,
            duration: options.duration,
            warmup: options.warmup,
            ca,
            deflate: options.deflate,
            payload: options.payload,
          }),
          pinning,
        );
        const outcome = await runClient(command, timeoutMs, register);
        const m = measurements.get(`${spec.client}/${spec.runtime}/${size}`)!;
        if (outcome.ok) addRound(m, outcome);
        else m.failures.push(outcome.reason);
        bar.increment();
      }
    }
  }
  bar.stop();
  const all = [...measurements.values()];
  all.forEach(summarize);
  return all;
}

/** `--servers`: the servers measured instead of the clients (bench/servers/); Ctrl-C kills what runs. */
async function benchServers(options: BenchOptions): Promise<number> {
  const kills = new Set<() => void>();
  const onSignal = () => {
    for (const kill of kills) kill();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runServers(options, (kill) => {
      kills.add(kill);
      return () => kills.delete(kill);
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(usage);
    return 0;
  }
  if (options.micro) return runMicro(options.microFilter);
  ensureFreshPackage();
  if (options.servers) return benchServers(options);
  const specs = options.connections === null ? selectClients(options) : [];
  // Request/response only: the many-connections children would inherit the server's CPU.
  const pinning = options.pin && options.connections === null && !options.server ? pinServerSide() : null;
  const server = await startEchoServer(options.server, options.deflate);
  const kills = new Set<() => void>();
  const onSignal = () => {
    for (const kill of kills) kill();
    void server.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const environment = describeEnvironment(server.name);
    console.log(
      `Server: ${server.name} at ${server.url}${server.tlsUrl ? ` and ${server.tlsUrl}` : ''}${options.deflate ? ', permessage-deflate on' : ''}`,
    );
    console.log(
      `${environment.cpu}, ${environment.cores} cores, ${environment.os}; node ${environment.runtimes.node}, node24 ${environment.runtimes.node24}, bun ${environment.runtimes.bun}, ${environment.runtimes.deno}`,
    );
    const register = (kill: () => void) => {
      kills.add(kill);
      return () => kills.delete(kill);
    };
    if (options.connections !== null) {
      const url = options.tls ? server.tlsUrl : server.url;
      if (!url) throw new Error(`${server.name} has no TLS port: --tls needs the Beast server (npm run build:native)`);
      return await runConnections(
        options,
        url,
        options.tls ? (server.ca ?? undefined) : undefined,
        environment,
        register,
      );
    }
    // Plain and TLS by default, as the seed runs TCP and SSL; TLS needs the Beast server's TLS port.
    const transports = options.transports.filter((t) => t === 'plain' || server.tlsUrl !== null);
    if (transports.length < options.transports.length)
      console.log(`${server.name} has no TLS port: plain only (the Beast server has one: npm run build:native)`);
    console.log(
      `${specs.length} clients × ${options.sizes.length} sizes × ${options.rounds} rounds × ${transports.join(' and ')}, ${options.duration} s each after ${options.warmup} warm-up round trips; ${describePinning(pinning)}`,
    );
    const all: Measurement[] = [];
    const out = resolve(options.out);
    mkdirSync(out, { recursive: true });
    let charts = 0;
    for (const transport of transports) {
      const tls = transport === 'tls';
      const measured = await measure(specs, options, {
        url: (tls ? server.tlsUrl : server.url)!,
        tls,
        ca: tls ? (server.ca ?? undefined) : undefined,
        pinning,
        register,
      });
      all.push(...measured);
      const mode = [tls ? 'TLS' : 'plain', options.deflate ? 'permessage-deflate' : '', `${options.payload} payload`]
        .filter(Boolean)
        .join(', ');
      console.log(renderTables(measured, options.sizes, mode));
      charts += (await writeCharts(out, environment, measured, options.sizes, mode, tls)).length;
    }
    // Issue 15's targets are about the default run: binary messages, no compression.
    const targets = options.deflate || options.payload !== 'binary' ? [] : checkTargets(all);
    if (targets.length) console.log(renderTargets(targets));
    writeResults(out, environment, options, all, 'client', targets);
    console.log(`\nServer: ${server.name}`);
    console.log(`Results: ${out}/results.json, results.csv${charts ? `, ${charts} chart files` : ''}`);
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
