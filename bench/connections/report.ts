// The many-connections records, their medians over rounds, the issue's targets as ratios, and the
// terminal table, connections.json and connections.csv.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../environment.ts';
import { runtimes } from '../matrix.ts';
import type { ChildResult } from './child.ts';
import { connectionsClientNames } from './matrix.ts';
import { median } from '../median.ts';
import {
  PER_CONNECTION_HEADER,
  type PerConnection,
  perConnectionCell,
  perConnectionNotes,
} from '../report/per-connection.ts';

/** The figures of one round, and their medians over rounds. */
export interface Figures extends PerConnection {
  rssPerConnection: number;
  heapPerConnection: number;
  externalPerConnection: number;
  connectStartMs: number;
  connectAtNMs: number;
  connectTotalS: number;
  echoesPerSecond: number;
}

const fields: (keyof Figures)[] = [
  'rssPerConnection',
  'heapPerConnection',
  'externalPerConnection',
  'connectStartMs',
  'connectAtNMs',
  'connectTotalS',
  'echoesPerSecond',
  'minPerConnection',
  'p10PerConnection',
  'medianPerConnection',
];

export interface ConnectionsMeasurement {
  client: string;
  label: string;
  runtime: string;
  api: string;
  connections: number;
  size: number;
  tls: boolean;
  rounds: ChildResult[];
  median: Figures | null;
  /** Echoes per second over rounds. */
  min: number | null;
  max: number | null;
  /** Connect time per twentieth of the ramp, the median over rounds: [connections open before, ms]. */
  connectCurve: [number, number][];
  failures: string[];
}

export function summarize(m: ConnectionsMeasurement): void {
  if (m.rounds.length === 0) return;
  const figures = {} as Figures;
  for (const f of fields) figures[f] = median(m.rounds.map((r) => r[f]));
  m.median = figures;
  const eps = m.rounds.map((r) => r.echoesPerSecond);
  m.min = Math.min(...eps);
  m.max = Math.max(...eps);
  m.connectCurve = m.rounds[0].connectCurve.map(([open], i) => [
    open,
    median(m.rounds.map((r) => r.connectCurve[i][1])),
  ]);
}

export interface TargetCheck {
  client: string;
  runtime: string;
  target: string;
  /** Our figure, in the target's unit. */
  value: number;
  unit: string;
  /** What it is compared with: the limit itself (absolute targets) or the other client's figure. */
  reference: number;
  referenceName: string;
  /** value / reference. */
  ratio: number;
  /** The largest (or, for echoes, the smallest) ratio the target allows. */
  limit: number;
  higherIsBetter: boolean;
  met: boolean;
  /** Echoes per second over several rounds: whether our min–max and the reference's overlap (within noise). */
  overlap: boolean | null;
}

const measured = (all: ConnectionsMeasurement[], client: string, runtime: string) =>
  all.find((m) => m.client === client && m.runtime === runtime && m.median !== null) ?? null;
const find = (all: ConnectionsMeasurement[], client: string, runtime: string) =>
  measured(all, client, runtime)?.median ?? null;
const overlaps = (a: ConnectionsMeasurement | null, b: ConnectionsMeasurement | null) =>
  a && b && a.rounds.length > 1 && b.rounds.length > 1 ? a.min! <= b.max! && b.min! <= a.max! : null;

/**
 * Issue 12's targets for each of our clients present: RSS per idle connection (≤ 8 KB and ≤ half of ws
 * on Node, ≤ 1.5× native on Bun, ≤ native on Deno), connect time with N open (≤ 1.5× the start's,
 * ≤ 2× native's), aggregate echoes per second (≥ ws on Node, the better of ws with and without
 * bufferutil when both ran; ≥ native on Bun and Deno).
 */
export function checkTargets(all: ConnectionsMeasurement[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const n = all[0]?.connections ?? 0;
  for (const client of ['wasm-ws', 'wasm-ws-class', 'wasm-ws-c']) {
    for (const runtime of ['node', 'bun', 'deno']) {
      const ours = find(all, client, runtime);
      if (!ours) continue;
      const native = find(all, 'native', runtime);
      const wsRuns = ['ws', 'ws-bufferutil'].map((c) => find(all, c, runtime)).filter((f) => f !== null);
      const push = (
        target: string,
        value: number,
        unit: string,
        reference: number,
        referenceName: string,
        limit: number,
        higherIsBetter = false,
        overlap: boolean | null = null,
      ) => {
        const ratio = value / reference;
        checks.push({
          client,
          runtime,
          target,
          value,
          unit,
          reference,
          referenceName,
          ratio,
          limit,
          higherIsBetter,
          met: higherIsBetter ? ratio >= limit : ratio <= limit,
          overlap,
        });
      };
      const rssKB = ours.rssPerConnection / 1000;
      if (runtime === 'node') {
        push('RSS per idle connection ≤ 8 KB', rssKB, 'KB', 8, 'the limit', 1);
        if (wsRuns.length) {
          const ws = Math.min(...wsRuns.map((f) => f.rssPerConnection)) / 1000;
          push('RSS per idle connection ≤ 0.5× ws', rssKB, 'KB', ws, 'ws', 0.5);
        }
      } else if (native) {
        const limit = runtime === 'bun' ? 1.5 : 1;
        push(
          `RSS per idle connection ≤ ${limit}× native`,
          rssKB,
          'KB',
          native.rssPerConnection / 1000,
          'native',
          limit,
        );
      }
      push(`connect with ${n} open ≤ 1.5× at the start`, ours.connectAtNMs, 'ms', ours.connectStartMs, 'start', 1.5);
      if (native) push(`connect with ${n} open ≤ 2× native`, ours.connectAtNMs, 'ms', native.connectAtNMs, 'native', 2);
      const self = measured(all, client, runtime);
      if (runtime === 'node' && wsRuns.length) {
        const best = ['ws', 'ws-bufferutil']
          .map((c) => measured(all, c, runtime))
          .filter((m) => m !== null)
          .sort((a, b) => b.median!.echoesPerSecond - a.median!.echoesPerSecond)[0];
        push(
          `echoes/s with ${n} at once ≥ ws`,
          ours.echoesPerSecond,
          '/s',
          best.median!.echoesPerSecond,
          'ws',
          1,
          true,
          overlaps(self, best),
        );
      } else if (runtime !== 'node' && native) {
        push(
          `echoes/s with ${n} at once ≥ native`,
          ours.echoesPerSecond,
          '/s',
          native.echoesPerSecond,
          'native',
          1,
          true,
          overlaps(self, measured(all, 'native', runtime)),
        );
      }
    }
  }
  return checks;
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
const rate = (x: number) => (x >= 10000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
const num = (x: number, unit: string) =>
  unit === 'KB' ? `${x.toFixed(1)} KB` : unit === 'ms' ? ms(x) : `${rate(x)}${unit}`;

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

function ordered(all: ConnectionsMeasurement[]): ConnectionsMeasurement[] {
  const rank = (m: ConnectionsMeasurement) =>
    runtimes.indexOf(m.runtime as never) * 100 + connectionsClientNames.indexOf(m.client);
  return [...all].sort((a, b) => rank(a) - rank(b));
}

export function renderConnections(all: ConnectionsMeasurement[], checks: TargetCheck[]): string {
  const first = all[0];
  if (!first) return '';
  const n = first.connections;
  const out: string[] = [
    `\n${n} connections, ${first.size} B messages${first.tls ? ', TLS' : ''}; per idle connection after GC (KB = 1000 B);` +
      ` connect: median of the first 10 and of the last 10 opened; echoes/s: all ${n} in a request/response loop at once`,
  ];
  const rounds = Math.max(...all.map((m) => m.rounds.length));
  const header = [
    'runtime',
    'client',
    'RSS/conn',
    'heap/conn',
    'connect at start',
    `with ${n} open`,
    `echoes/s${rounds > 1 ? ' [min–max]' : ''}`,
    '×native',
    PER_CONNECTION_HEADER,
  ];
  const body = ordered(all).map((m) => {
    const f = m.median;
    if (!f) return [m.runtime, m.label, 'FAILED', '', '', '', '', '', ''];
    const native = find(all, 'native', m.runtime);
    return [
      m.runtime,
      m.label,
      kb(f.rssPerConnection),
      kb(f.heapPerConnection),
      ms(f.connectStartMs),
      `${ms(f.connectAtNMs)} (${(f.connectAtNMs / f.connectStartMs).toFixed(2)}×)`,
      `${rate(f.echoesPerSecond)}${rounds > 1 ? ` [${rate(m.min!)}–${rate(m.max!)}]` : ''}`,
      native && m.client !== 'native' ? `${(f.echoesPerSecond / native.echoesPerSecond).toFixed(2)}×` : '',
      perConnectionCell(f),
    ];
  });
  out.push(...table(header, body));
  for (const m of all) {
    const stuck = m.rounds.map((r) => r.stuck ?? 0);
    if (stuck.some((k) => k > 0))
      out.push(
        `  ${m.label} on ${m.runtime}: echoes never came back (5 s after the loop stopped), per round: ${stuck.join(', ')}`,
      );
  }
  for (const m of all.filter((x) => x.failures.length > 0))
    out.push(`  ${m.label} on ${m.runtime}: ${m.failures.length} failed run(s): ${m.failures[0]}`);
  if (checks.length) {
    out.push('', "Issue 12's targets (ratio: our figure / the reference; MISS where we lose):");
    out.push(
      ...table(
        ['client', 'runtime', 'target', 'ours', 'reference', 'ratio', 'verdict'],
        checks.map((c) => [
          c.client,
          c.runtime,
          c.target,
          num(c.value, c.unit),
          c.referenceName === 'the limit' ? 'limit' : `${c.referenceName} ${num(c.reference, c.unit)}`,
          `${c.ratio.toFixed(2)}× (limit ${c.higherIsBetter ? '≥' : '≤'} ${c.limit}×)`,
          `${c.met ? 'met' : 'MISS'}${c.overlap ? '*' : ''}`,
        ]),
      ),
    );
    if (checks.some((c) => c.overlap))
      out.push('* the min–max over rounds of the two overlap: the verdict is within the noise of this machine');
  }
  out.push(...perConnectionNotes(all.map((m) => m.median)));
  return out.join('\n');
}

export function writeConnectionsResults(
  dir: string,
  environment: Environment,
  options: object,
  measurements: ConnectionsMeasurement[],
  targets: TargetCheck[],
): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'connections.json');
  writeFileSync(json, `${JSON.stringify({ environment, options, measurements, targets }, null, 2)}\n`);
  const header =
    'client,runtime,api,connections,size,tls,rss_per_conn_bytes,heap_per_conn_bytes,external_per_conn_bytes,' +
    'connect_start_ms,connect_at_n_ms,connect_total_s,echoes_per_s,min_echoes_per_s,max_echoes_per_s,' +
    'fewest_echoes_per_conn,p10_echoes_per_conn,median_echoes_per_conn,rounds,failures';
  const rows = measurements.map((m) => {
    const f = m.median;
    const v = (x: number | undefined, digits: number) => (x === undefined ? '' : x.toFixed(digits));
    return [
      m.client,
      m.runtime,
      m.api,
      m.connections,
      m.size,
      m.tls,
      v(f?.rssPerConnection, 0),
      v(f?.heapPerConnection, 0),
      v(f?.externalPerConnection, 0),
      v(f?.connectStartMs, 3),
      v(f?.connectAtNMs, 3),
      v(f?.connectTotalS, 3),
      v(f?.echoesPerSecond, 1),
      v(m.min ?? undefined, 1),
      v(m.max ?? undefined, 1),
      v(f?.minPerConnection, 0),
      v(f?.p10PerConnection, 0),
      v(f?.medianPerConnection, 1),
      m.rounds.length,
      JSON.stringify(m.failures.join(' | ')),
    ].join(',');
  });
  const csv = join(dir, 'connections.csv');
  writeFileSync(csv, `${[header, ...rows].join('\n')}\n`);
  return [json, csv];
}
