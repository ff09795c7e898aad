// `--servers --connections N`: what a connection costs each server when there are many. Per round and
// server (the order rotates), the server is started afresh in its own process, and one Node process
// (connections-driver.ts, on the driver's CPU) opens N connections to it:
//  1. ten connections echo once and close (the server's paths warmed up); the server collects garbage
//     (`gc` on its stdin: Node --expose-gc, Deno --v8-flags=--expose-gc, Bun.gc; Beast has none) and its
//     RSS (/proc/PID/status VmRSS) is the baseline;
//  2. N connections are opened one after another and left idle; GC again, RSS again:
//     RSS per idle connection = (idle − baseline) / N;
//  3. all N in a request/response loop at once: aggregate echoes per second.
// Output: a table (×B, ×N, ×F on echoes per second), connections.json, connections.csv and a chart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProgressBar, progressBar } from '../progress.ts';
import type * as vl from 'vega-lite';
import { checkOpenFiles } from '../connections/run.ts';
import type { Environment } from '../environment.ts';
import { runtimeCommand, runtimes } from '../matrix.ts';
import type { BenchOptions } from '../options.ts';
import { onClientCpu, type Pinning } from '../pinning.ts';
import { render } from '../report/charts.ts';
import type { DriverResult } from './connections-driver.ts';
import { HOST, nativeServer, type Register, rotate, type ServerSpec, serverOrder } from './matrix.ts';
import { lastError, spawnLines, startServer } from './process.ts';
import { median } from '../median.ts';
import {
  PER_CONNECTION_HEADER,
  type PerConnection,
  perConnectionCell,
  perConnectionNotes,
} from '../report/per-connection.ts';

const driverFile = fileURLToPath(new URL('./connections-driver.ts', import.meta.url));
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** One round: the driver's figures and the server's memory. */
export interface ServerConnectionsRound extends DriverResult {
  /** The server's RSS in bytes after GC: before the N connections, and with all N open and idle. */
  rssBaseline: number | null;
  rssIdle: number | null;
  rssPerConnection: number | null;
  /** Whether the server collected garbage before each reading (Beast: no GC to run). */
  gc: boolean;
}

export interface ServerConnectionsMeasurement {
  server: string;
  label: string;
  runtime: string;
  api: string;
  connections: number;
  size: number;
  tls: boolean;
  rounds: ServerConnectionsRound[];
  /** Medians over rounds. */
  median:
    | (PerConnection & {
        rssPerConnection: number | null;
        echoesPerSecond: number;
        connectTotalS: number;
      })
    | null;
  /** Echoes per second over rounds. */
  min: number | null;
  max: number | null;
  failures: string[];
}

function summarize(m: ServerConnectionsMeasurement): void {
  if (m.rounds.length === 0) return;
  const rss = m.rounds.map((r) => r.rssPerConnection).filter((x): x is number => x !== null);
  const eps = m.rounds.map((r) => r.echoesPerSecond);
  m.median = {
    rssPerConnection: rss.length ? median(rss) : null,
    echoesPerSecond: median(eps),
    minPerConnection: median(m.rounds.map((r) => r.minPerConnection)),
    p10PerConnection: median(m.rounds.map((r) => r.p10PerConnection)),
    medianPerConnection: median(m.rounds.map((r) => r.medianPerConnection)),
    connectTotalS: median(m.rounds.map((r) => r.connectTotalS)),
  };
  m.min = Math.min(...eps);
  m.max = Math.max(...eps);
}

interface Setup {
  files: { cert: string; key: string } | null;
  pinning: Pinning | null;
  environment: Environment;
  register: Register;
}

/** One round against one running server; throws with the reason when it fails. */
async function oneRound(
  options: BenchOptions,
  spec: ServerSpec,
  setup: Setup,
  tls: boolean,
  bar: ProgressBar,
  what: string,
): Promise<ServerConnectionsRound> {
  const n = options.connections!;
  const started = await startServer(
    spec.command({ host: HOST, tls: tls ? setup.files : null }),
    tls,
    spec.controlled,
    setup.register,
  );
  if (!started.ok) throw new Error(started.reason);
  const server = started.server;
  const warmup = Math.min(1, options.duration / 3);
  const url = `${tls ? 'wss' : 'ws'}://${HOST}:${server.port}/`;
  const args = ['--url', url, '--connections', String(n), '--size', String(options.sizes[0])];
  args.push('--duration', String(options.duration), '--warmup', String(warmup));
  if (tls) args.push('--ca', setup.files!.cert);
  const command = onClientCpu(runtimeCommand('node', driverFile, args, undefined), setup.pinning);
  let driver: Awaited<ReturnType<typeof spawnLines>> | null = null;
  try {
    driver = await spawnLines(command, true, setup.register);
    const d = driver;
    const step = async (prefix: string, timeoutMs: number, doing: string): Promise<string> => {
      const line = await d.nextLine((l) => l.startsWith(prefix), timeoutMs);
      if (line !== null) return line;
      const ended = server.ended();
      if (ended) throw new Error(`the server ended while the driver was ${doing}: ${ended}`);
      await Promise.race([d.closed, sleep(100)]);
      const why = d.exit() === null ? `no answer within ${timeoutMs / 1000} s` : lastError(d.stderr()) || d.exit();
      throw new Error(`${doing}: ${why}`);
    };
    bar.update({ task: `${what}: warming up` });
    await step('ready', 60_000, 'warming up');
    const gc = await server.gc();
    const rssBaseline = server.rss();
    bar.update({ task: `${what}: opening ${n} connections` });
    d.write('open');
    await step('opened ', (30 + n * 0.1) * 1000, `opening ${n} connections`);
    await sleep(200);
    const gcIdle = await server.gc();
    const rssIdle = server.rss();
    bar.update({ task: `${what}: all ${n} echoing` });
    d.write('run');
    const result = await step('RESULT ', (warmup + options.duration + 30) * 1000, `echoing with ${n} connections`);
    const figures = JSON.parse(result.slice(7)) as DriverResult;
    return {
      ...figures,
      rssBaseline,
      rssIdle,
      rssPerConnection: rssBaseline !== null && rssIdle !== null ? (rssIdle - rssBaseline) / n : null,
      gc: gc && gcIdle,
    };
  } finally {
    if (driver && driver.exit() === null) {
      // It exits by itself after its RESULT; give it the time it takes to close its connections.
      await Promise.race([driver.closed, sleep(5000)]);
      if (driver.exit() === null) driver.child.kill('SIGKILL');
      await driver.closed;
    }
    const problem = await server.stop();
    if (problem) console.log(`\n  ${spec.label} on ${spec.runtime}: ${problem}`);
  }
}

export async function runServerConnections(
  options: BenchOptions,
  servers: ServerSpec[],
  setup: Setup,
): Promise<number> {
  const n = options.connections!;
  const size = options.sizes[0];
  const tls = options.tls;
  if (tls && !setup.files) throw new Error('--tls needs build/out/native/server.crt: npm run build:native');
  checkOpenFiles(n, false);
  console.log(
    `${servers.length} servers × ${options.rounds} round(s): ${n} connections each${tls ? ' over TLS' : ''} from one Node process, the server's RSS per idle connection after GC, then all ${n} echoing ${size} B messages for ${options.duration} s`,
  );
  const measurements = new Map<ServerSpec, ServerConnectionsMeasurement>();
  for (const s of servers)
    measurements.set(s, {
      server: s.server,
      label: s.label,
      runtime: s.runtime,
      api: s.api,
      connections: n,
      size,
      tls,
      rounds: [],
      median: null,
      min: null,
      max: null,
      failures: [],
    });
  const bar = progressBar(options.rounds * servers.length);
  for (let round = 0; round < options.rounds; round++) {
    for (const spec of rotate(servers, round)) {
      const m = measurements.get(spec)!;
      try {
        m.rounds.push(
          await oneRound(options, spec, setup, tls, bar, `round ${round + 1}: ${spec.label} on ${spec.runtime}`),
        );
      } catch (error) {
        m.failures.push((error as Error).message);
      }
      bar.increment();
    }
  }
  bar.stop();
  const all = [...measurements.values()];
  all.forEach(summarize);
  console.log(renderServerConnections(all));
  const out = resolve(options.out);
  const files = writeServerConnections(out, setup.environment, options, all);
  files.push(...(await chartServerConnections(out, setup.environment, all)));
  console.log(`\nResults: ${files.join(', ')}`);
  const failed = all.filter((m) => m.median === null);
  if (failed.length) console.log(`${failed.length} server(s) failed in every round: see the reasons above.`);
  return options.strict && all.some((m) => m.failures.length > 0) ? 1 : 0;
}

const kb = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1000).toFixed(1)} KB`);
const rate = (x: number) => (x >= 10000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));

function ordered(all: ServerConnectionsMeasurement[]): ServerConnectionsMeasurement[] {
  const rank = (m: ServerConnectionsMeasurement) =>
    runtimes.indexOf(m.runtime as never) * 100 + serverOrder.indexOf(m.server);
  return [...all].sort((a, b) => rank(a) - rank(b));
}

/** The echoes per second of `server` on `runtime` (any runtime for the Beast server), when measured. */
function eps(all: ServerConnectionsMeasurement[], server: string, runtime: string | null): number | null {
  return (
    all.find((m) => m.server === server && (runtime === null || m.runtime === runtime) && m.median)?.median
      ?.echoesPerSecond ?? null
  );
}

export function renderServerConnections(all: ServerConnectionsMeasurement[]): string {
  const first = all[0];
  if (!first) return '';
  const n = first.connections;
  const rounds = Math.max(...all.map((m) => m.rounds.length));
  const out = [
    `\n${n} connections to each server, ${first.size} B messages${first.tls ? ', TLS' : ''}: the server's RSS per idle connection` +
      ` (after its GC; KB = 1000 B); echoes/s with all ${n} in a request/response loop at once;` +
      ` ×B: vs the Beast C++ server, ×N: vs the runtime's own server, ×F: vs its floor server`,
  ];
  const header = [
    'runtime',
    'server',
    'RSS/conn',
    `echoes/s${rounds > 1 ? ' [min–max]' : ''}`,
    '×B',
    '×N',
    '×F',
    PER_CONNECTION_HEADER,
    `open ${n}`,
  ];
  const ratio = (x: number, ref: number | null, self: boolean) => (ref && !self ? `${(x / ref).toFixed(2)}×` : '');
  const body = ordered(all).map((m) => {
    const f = m.median;
    if (!f) return [m.runtime, m.label, 'FAILED', '', '', '', '', '', ''];
    const js = m.runtime !== 'c++';
    const native = nativeServer(m.runtime);
    return [
      m.runtime,
      m.label,
      `${kb(f.rssPerConnection)}${m.rounds.every((r) => r.gc) || m.runtime === 'c++' ? '' : ' (no GC)'}`,
      `${rate(f.echoesPerSecond)}${rounds > 1 ? ` [${rate(m.min!)}–${rate(m.max!)}]` : ''}`,
      js ? ratio(f.echoesPerSecond, eps(all, 'beast', null), false) : '',
      js ? ratio(f.echoesPerSecond, eps(all, native, m.runtime), m.server === native) : '',
      js ? ratio(f.echoesPerSecond, eps(all, 'floor', m.runtime), m.server === 'floor') : '',
      perConnectionCell(f),
      `${f.connectTotalS.toFixed(2)} s`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line));
  for (const m of all) {
    const stuck = m.rounds.map((r) => r.stuck);
    if (stuck.some((k) => k > 0))
      out.push(
        `  ${m.label} on ${m.runtime}: echoes never came back (5 s after the loop), per round: ${stuck.join(', ')}`,
      );
  }
  for (const m of all.filter((x) => x.failures.length > 0))
    out.push(`  ${m.label} on ${m.runtime}: ${m.failures.length} failed run(s): ${m.failures[0]}`);
  out.push(...perConnectionNotes(all.map((m) => m.median)));
  return out.join('\n');
}

function writeServerConnections(
  dir: string,
  environment: Environment,
  options: object,
  all: ServerConnectionsMeasurement[],
): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'connections.json');
  writeFileSync(json, `${JSON.stringify({ environment, options, measurements: all }, null, 2)}\n`);
  const header =
    'server,runtime,api,connections,size,tls,rss_per_conn_bytes,rss_baseline_bytes,rss_idle_bytes,gc,' +
    'echoes_per_s,min_echoes_per_s,max_echoes_per_s,fewest_echoes_per_conn,p10_echoes_per_conn,median_echoes_per_conn,connect_total_s,' +
    'rounds,failures';
  const v = (x: number | null | undefined, digits: number) => (x === null || x === undefined ? '' : x.toFixed(digits));
  const rows = all.map((m) => {
    const f = m.median;
    return [
      m.server,
      m.runtime,
      m.api,
      m.connections,
      m.size,
      m.tls,
      v(f?.rssPerConnection, 0),
      v(median(m.rounds.map((r) => r.rssBaseline ?? Number.NaN)), 0),
      v(median(m.rounds.map((r) => r.rssIdle ?? Number.NaN)), 0),
      m.rounds.length ? m.rounds.every((r) => r.gc) : '',
      v(f?.echoesPerSecond, 1),
      v(m.min, 1),
      v(m.max, 1),
      v(f?.minPerConnection, 0),
      v(f?.p10PerConnection, 0),
      v(f?.medianPerConnection, 1),
      v(f?.connectTotalS, 3),
      m.rounds.length,
      JSON.stringify(m.failures.join(' | ')),
    ].join(',');
  });
  const csv = join(dir, 'connections.csv');
  writeFileSync(csv, `${[header, ...rows].join('\n')}\n`);
  return [json, csv];
}

/** Two panels, runtimes as groups and servers as bars: RSS per idle connection, and echoes per second. */
async function chartServerConnections(
  dir: string,
  environment: Environment,
  all: ServerConnectionsMeasurement[],
): Promise<string[]> {
  const done = all.filter((m) => m.median !== null);
  if (done.length === 0) return [];
  const { connections: n, size, tls } = done[0];
  const values = done.map((m) => ({
    runtime: m.runtime,
    server: m.label,
    order: serverOrder.indexOf(m.server),
    rssKB: m.median!.rssPerConnection === null ? null : Number((m.median!.rssPerConnection / 1000).toFixed(2)),
    eps: Math.round(m.median!.echoesPerSecond),
    min: Math.round(m.min!),
    max: Math.round(m.max!),
  }));
  const labels = [...new Set([...values].sort((a, b) => a.order - b.order).map((v) => v.server))];
  const present = runtimes.filter((r) => values.some((v) => v.runtime === r));
  const color = {
    field: 'server',
    type: 'nominal',
    sort: labels,
    title: 'server',
    scale: { scheme: 'tableau10' },
    legend: { labelLimit: 400 },
  } as const;
  const x = { field: 'runtime', type: 'nominal', sort: present, title: null, axis: { labelAngle: 0 } } as const;
  const panel = (field: string, title: string, extra: object[] = []) => ({
    title,
    width: 340,
    height: 240,
    encoding: { x, xOffset: { field: 'server', type: 'nominal', sort: labels } },
    layer: [
      { mark: { type: 'bar', tooltip: true }, encoding: { y: { field, type: 'quantitative', title: null }, color } },
      ...extra,
    ],
  });
  const spec = {
    title: {
      text: `${n} connections to each server${tls ? ' over TLS' : ''}: the server's memory per idle connection, ${size} B echoes with all ${n} at once`,
      subtitle: `${environment.cpu}, ${environment.cores} cores; node ${environment.runtimes.node}, bun ${environment.runtimes.bun}, ${environment.runtimes.deno.split(' (')[0]}; ${environment.date.slice(0, 10)}`,
      subtitleFontSize: 10,
    },
    data: { values },
    hconcat: [
      panel('rssKB', 'server RSS per idle connection, KB (lower is better)'),
      panel('eps', `echoes/s, all ${n} at once (higher is better)`, [
        {
          mark: { type: 'rule', color: 'black' },
          encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
        },
      ]),
    ],
    config: { background: 'white' },
  } as unknown as vl.TopLevelSpec;
  return render(spec, join(dir, `connections-${n}${tls ? '-tls' : ''}`));
}
