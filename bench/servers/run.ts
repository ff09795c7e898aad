// `--servers`: the benchmark turned around. Every echo server (bench/servers/matrix.ts), each started in
// its own process on its own runtime, is driven by fixed clients (the Beast C++ client in sync mode and
// the I/O floor client on Bun by default) in the same request/response loop as the client mode: send a
// message, wait for its echo, send the next; 100 warm-up round trips, then --duration seconds.
// For each round, size and server (the order rotates each round), the server is started afresh and
// each driver runs against it in turn (their order rotates too), then it is stopped with SIGTERM.
// Output: per transport, size and driver a table (servers as rows, runtimes as columns, with ×B, ×N
// and ×F), results.json and results.csv, and charts in results/servers/.
// `--servers --connections N` runs the many-connections scenario instead (connections.ts).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { progressBar } from '../progress.ts';
import { beastBinaries } from '../../server/beast.ts';
import { describeEnvironment } from '../environment.ts';
import type { BenchOptions } from '../options.ts';
import { describePinning, onClientCpu, type Pinning, pinServerSide } from '../pinning.ts';
import { writeCharts } from '../report/charts.ts';
import { writeResults } from '../report/files.ts';
import { addRound, type Measurement, summarize } from '../report/measurements.ts';
import { renderTables, type TableLayout } from '../report/table.ts';
import { checkServerTargets, renderTargets } from '../report/targets.ts';
import { runClient } from '../run-client.ts';
import { runServerConnections } from './connections.ts';
import {
  type DriverSpec,
  HOST,
  nativeServer,
  type Register,
  rotate,
  type ServerSpec,
  selectDrivers,
  selectServers,
  serverOrder,
} from './matrix.ts';
import { startServer } from './process.ts';
import { ServerCpu } from './server-cpu.ts';

export const serverLayout: TableLayout = {
  order: serverOrder,
  rowTitle: 'server',
  native: nativeServer,
  beastName: 'the Beast C++ server',
  nativeName: "the runtime's own server (ws on Node, Bun.serve, Deno.serve)",
  floorName: 'its floor server (raw socket, pre-built frames)',
  cpuName: "the server's CPU time per echo, µs",
};

/** The certificate and key the TLS servers use (the Beast build's), and the drivers trust. */
export function tlsFiles(): { cert: string; key: string } | null {
  const bins = beastBinaries();
  return bins ? { cert: bins.cert, key: bins.key } : null;
}

interface Transport {
  tls: boolean;
  files: { cert: string; key: string } | null;
  pinning: Pinning | null;
  register: Register;
  /** What went wrong around the runs (a server that would not stop): counted by --strict. */
  problems: string[];
}

async function measure(
  servers: ServerSpec[],
  drivers: DriverSpec[],
  options: BenchOptions,
  transport: Transport,
): Promise<Measurement[]> {
  const { tls, files, pinning, register, problems } = transport;
  const measurements = new Map<string, Measurement>();
  const key = (s: ServerSpec, d: DriverSpec, size: number) => `${s.server}/${s.runtime}/${d.driver}/${size}`;
  for (const size of options.sizes)
    for (const s of servers)
      for (const d of drivers)
        measurements.set(key(s, d, size), {
          client: s.server,
          label: s.label,
          runtime: s.runtime,
          api: s.api,
          driver: d.driver,
          size,
          tls,
          rounds: [],
          median: null,
          min: null,
          max: null,
          failures: [],
        });
  const bar = progressBar(options.rounds * options.sizes.length * servers.length * drivers.length);
  const timeoutMs = (options.duration + 20) * 1000;
  for (let round = 0; round < options.rounds; round++) {
    for (const size of options.sizes) {
      for (const spec of rotate(servers, round)) {
        const what = `round ${round + 1}: ${spec.label} on ${spec.runtime}, ${size} B`;
        const failAll = (reason: string) => {
          for (const d of drivers) {
            measurements.get(key(spec, d, size))!.failures.push(reason);
            bar.increment();
          }
        };
        bar.update({ task: `${what}: starting the server` });
        const started = await startServer(
          spec.command({ host: HOST, tls: tls ? files : null }),
          tls,
          spec.controlled,
          register,
        );
        if (!started.ok) {
          failAll(started.reason);
          continue;
        }
        const server = started.server;
        const url = `${tls ? 'wss' : 'ws'}://${HOST}:${server.port}/`;
        for (const d of rotate(drivers, round)) {
          bar.update({ task: `${what}, driven by the ${d.label}` });
          const m = measurements.get(key(spec, d, size))!;
          const gone = server.ended();
          if (gone) {
            m.failures.push(`the server had ended: ${gone}`);
            bar.increment();
            continue;
          }
          const command = onClientCpu(
            d.client.command({
              url,
              size,
              duration: options.duration,
              warmup: options.warmup,
              ca: tls ? files?.cert : undefined,
              payload: options.payload,
            }),
            pinning,
          );
          const cpu = new ServerCpu(server);
          const outcome = await runClient(command, timeoutMs, register, (chunk) => cpu.read(chunk));
          if (outcome.ok) addRound(m, { ...outcome, cpu: cpu.perEcho(outcome.rps * options.duration) });
          else {
            const ended = server.ended();
            m.failures.push(`${outcome.reason}${ended ? ` (the server ended: ${ended})` : ''}`);
          }
          bar.increment();
        }
        const problem = await server.stop();
        if (problem)
          problems.push(`${spec.label} on ${spec.runtime} (${tls ? 'TLS' : 'plain'}, ${size} B): ${problem}`);
      }
    }
  }
  bar.stop();
  const all = [...measurements.values()];
  all.forEach(summarize);
  return all;
}

export async function runServers(options: BenchOptions, register: Register): Promise<number> {
  const servers = selectServers(options.servers!, options.runtimes);
  const drivers = options.connections === null ? selectDrivers(options.drivers, options.payload) : [];
  const files = tlsFiles();
  const pinning = options.pin ? pinServerSide() : null;
  const names = [...new Set(servers.map((s) => s.label))].join(', ');
  const environment = describeEnvironment(
    options.connections === null
      ? `servers driven by the ${drivers.map((d) => d.label).join(' and the ')}`
      : `servers with ${options.connections} connections from one Node process`,
  );
  console.log(`Servers: ${names}`);
  console.log(
    `${environment.cpu}, ${environment.cores} cores, ${environment.os}; node ${environment.runtimes.node}, node24 ${environment.runtimes.node24}, bun ${environment.runtimes.bun}, ${environment.runtimes.deno}`,
  );
  if (options.connections !== null)
    return runServerConnections(options, servers, { files, pinning, environment, register });
  const transports = options.transports.filter((t) => t === 'plain' || files !== null);
  if (transports.length < options.transports.length)
    console.log('No certificate for TLS (build/out/native/server.crt): plain only (npm run build:native makes one)');
  if (transports.length === 0) throw new Error('--tls needs build/out/native/server.crt: npm run build:native');
  console.log(
    `${servers.length} servers × ${drivers.length} driver(s) (${drivers.map((d) => d.label).join(', ')}) × ${options.sizes.length} sizes × ${options.rounds} rounds × ${transports.join(' and ')}, ${options.duration} s each after ${options.warmup} warm-up round trips; ${describePinning(pinning)}`,
  );
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const all: Measurement[] = [];
  const problems: string[] = [];
  let charts = 0;
  for (const transport of transports) {
    const tls = transport === 'tls';
    const measured = await measure(servers, drivers, options, { tls, files, pinning, register, problems });
    all.push(...measured);
    for (const size of options.sizes) {
      for (const d of drivers) {
        const mode = `${tls ? 'TLS' : 'plain'}, ${options.payload} payload, driven by the ${d.label}`;
        console.log(
          renderTables(
            measured.filter((m) => m.driver === d.driver),
            [size],
            mode,
            serverLayout,
          ),
        );
      }
    }
    for (const d of drivers) {
      const mode = `${tls ? 'TLS' : 'plain'}, driven by the ${d.label}`;
      const ofDriver = measured.filter((m) => m.driver === d.driver);
      charts += (
        await writeCharts(out, environment, ofDriver, options.sizes, mode, tls, {
          order: serverOrder,
          legend: 'server',
          suffix: `-${d.driver}`,
        })
      ).length;
    }
  }
  // Issue 16's targets are about binary messages.
  const targets = options.payload === 'binary' ? checkServerTargets(all, nativeServer) : [];
  if (targets.length) console.log(renderTargets(targets, "Issue 16's targets for our server"));
  writeResults(out, environment, options, all, 'server', targets);
  for (const problem of problems) console.log(`  ${problem}`);
  console.log(`\nResults: ${out}/results.json, results.csv${charts ? `, ${charts} chart files` : ''}`);
  const failed = all.filter((m) => m.median === null);
  if (failed.length)
    console.log(`${failed.length} server/driver/size combination(s) failed in every round: see the reasons above.`);
  const anyFailure = problems.length > 0 || all.some((m) => m.failures.length > 0);
  return options.strict && anyFailure ? 1 : 0;
}
