// One record per client, runtime and size: the figures of every round (requests per second, round-trip
// latency percentiles and the client's CPU time per round trip), and their median and spread over rounds.
import { median } from '../median.ts';

/** Round-trip latency percentiles of one run, in microseconds. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export const latencyKeys = ['p50', 'p90', 'p99', 'p999', 'max'] as const satisfies readonly (keyof Latency)[];
/** How each percentile is written in the tables and the CSV header. */
export const latencyNames: Record<keyof Latency, string> = {
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  p999: 'p99.9',
  max: 'max',
};

export interface Measurement {
  /** What is measured: the client, or with --servers the server (its id in bench/servers/matrix.ts). */
  client: string;
  label: string;
  runtime: string;
  api: string;
  size: number;
  tls: boolean;
  rounds: number[];
  median: number | null;
  min: number | null;
  max: number | null;
  failures: string[];
  /** Each successful round's latency, beside `rounds` (null: the client reported none). */
  latencies?: (Latency | null)[];
  /** Per percentile, the median over the rounds that reported one; set by summarize(). */
  latency?: Latency | null;
  /** Each successful round's CPU time per round trip, in µs, as ClientFigures.cpu (null: none reported). */
  cpus?: (number | null)[];
  /** The median of `cpus` over the rounds that reported one; set by summarize(). */
  cpu?: number | null;
  /** --servers: the client that drove the server (bench/servers/matrix.ts driverNames). */
  driver?: string;
}

/** What one run of a client measured. */
export interface ClientFigures {
  rps: number;
  latency: Latency | null;
  /** CPU time per measured round trip, in µs: the client process's (with --servers, the server's per echo). */
  cpu: number | null;
}

/** One successful round: its requests per second, its latency and its CPU time. */
export function addRound(m: Measurement, outcome: ClientFigures): void {
  m.rounds.push(outcome.rps);
  m.latencies ??= [];
  m.latencies.push(outcome.latency);
  m.cpus ??= [];
  m.cpus.push(outcome.cpu);
}

export function summarize(m: Measurement): void {
  const sorted = [...m.rounds].sort((a, b) => a - b);
  const n = sorted.length;
  m.median = n === 0 ? null : median(sorted);
  m.min = n === 0 ? null : sorted[0];
  m.max = n === 0 ? null : sorted[n - 1];
  m.latencies ??= [];
  const reported = m.latencies.filter((l): l is Latency => l !== null);
  m.latency = reported.length
    ? (Object.fromEntries(latencyKeys.map((k) => [k, median(reported.map((l) => l[k]))])) as unknown as Latency)
    : null;
  const cpus = (m.cpus ?? []).filter((c): c is number => c !== null);
  m.cpu = cpus.length ? median(cpus) : null;
}

/** The measurement behind "× Beast": the faster of the two Beast clients. */
export function beastMeasurement(all: Measurement[], size: number): Measurement | null {
  const measured = all.filter((m) => m.size === size && m.runtime === 'c++' && m.median !== null);
  return measured.reduce<Measurement | null>((best, m) => (best === null || m.median! > best.median! ? m : best), null);
}

/** The reference for "× Beast": the faster of the two Beast clients. */
export function beastReference(all: Measurement[], size: number): number | null {
  return beastMeasurement(all, size)?.median ?? null;
}

/** The reference for "× native": the runtime's own client (`native`), or with --servers its own server (`id`). */
export function nativeReference(all: Measurement[], size: number, runtime: string, id = 'native'): number | null {
  return all.find((m) => m.size === size && m.runtime === runtime && m.client === id)?.median ?? null;
}

/** The reference for "× floor": the I/O floor client (a raw socket, no WebSocket) on the same runtime (or the floor server). */
export function floorReference(all: Measurement[], size: number, runtime: string): number | null {
  return all.find((m) => m.size === size && m.runtime === runtime && m.client === 'floor')?.median ?? null;
}
