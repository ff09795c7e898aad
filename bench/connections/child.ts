// The many-connections measurement, in one process on one runtime with one client library:
//  1. ten connections opened, echoed once and closed (code loaded and compiled), then GC: the baseline;
//  2. N connections opened one after another and kept open, each open timed;
//  3. GC with all N idle: (memory now − baseline) / N is the cost of an idle connection;
//  4. all N in a request/response loop at once (each sends, waits for its echo, sends the next):
//     a warm-up, then a fixed duration; aggregate echoes per second.
// Prints one `RESULT {json}` line (the fields of ChildResult). Needs a gc(): Node --expose-gc,
// Deno --v8-flags=--expose-gc; Bun has Bun.gc.
import process from 'node:process';
import { parseArgs } from 'node:util';
import { type Library, type Opened, opener } from './libraries.ts';
import { median } from '../median.ts';
import { type PerConnection, perConnection } from '../report/per-connection.ts';

export interface ChildResult extends PerConnection {
  connections: number;
  size: number;
  /** Bytes, after GC: before the N connections, and with all N open and idle. */
  baseline: { rss: number; heap: number; external: number };
  idle: { rss: number; heap: number; external: number };
  /** Bytes per idle connection: (idle − baseline) / N. */
  rssPerConnection: number;
  heapPerConnection: number;
  externalPerConnection: number;
  /** Milliseconds to open one connection: median of the first 10, and of the last 10 (with N − 10 to N − 1 open). */
  connectStartMs: number;
  connectAtNMs: number;
  /** Seconds to open all N. */
  connectTotalS: number;
  /** Median connect time per twentieth of the ramp: [connections open before, ms]. */
  connectCurve: [number, number][];
  /** All N in a request/response loop at once. */
  echoesPerSecond: number;
  echoes: number;
  elapsedS: number;
  /** Echoes still awaited 5 s after the loop stopped: a connection that stalls, not just a slow one. */
  stuck: number;
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    url: { type: 'string' },
    client: { type: 'string', default: 'wasm-ws' },
    connections: { type: 'string', default: '1000' },
    size: { type: 'string', default: '256' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    ca: { type: 'string' },
  },
});
if (!values.url) throw new Error('--url is required');
const url = values.url;
const n = Number(values.connections);
const size = Number(values.size);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;

/** Connections opened, echoed once and closed before the baseline. */
const WARMUP_CONNECTIONS = 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function collector(): () => void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('no gc(): run Node with --expose-gc, Deno with --v8-flags=--expose-gc');
  return gc;
}
const gc = collector();

/** Full collections, with turns of the event loop between them so that finalizers and closes run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(50);
  }
}

function memory(): ChildResult['baseline'] {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external };
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const text = `${message}${cause}`;
  return /EMFILE|ENFILE|too many open files/i.test(text)
    ? `${text}: the open-file limit is too low for ${n} connections; raise it (ulimit -n) for the client and the server`
    : text;
}

async function main(): Promise<void> {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--connections: not a count: ${values.connections}`);
  const open = await opener(values.client as Library, url, values.ca);
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;

  // Per-connection state lives in typed arrays and one dispatch function, so that the benchmark's own
  // cost per connection is a small closure and the same for every library.
  const counts = new Uint32Array(n);
  const conns: Opened[] = [];
  let lost: string | null = null;
  let measuring = false;
  let stopping = false;
  let total = 0;
  let inflight = 0;
  let drained: (() => void) | null = null;
  let badEcho: string | null = null;
  const onEcho = (i: number, length: number): void => {
    inflight--;
    if (length !== size) badEcho ??= `an echo of ${length} bytes, expected ${size}`;
    if (measuring) {
      total++;
      counts[i]++;
    }
    if (!stopping) {
      inflight++;
      conns[i].send(payload);
    } else if (inflight === 0) drained?.();
  };
  const handlers = (i: number) => ({
    onEcho: (length: number) => onEcho(i, length),
    onLost: (why: string) => {
      lost ??= `connection ${i + 1} of ${n} ended: ${why}`;
    },
  });

  // 1. Warm-up: connections opened one after another, each echoing once and closed (modules loaded,
  //    the connect and echo paths compiled), then the baseline.
  const echoOnce = () =>
    new Promise<void>((resolve, reject) => {
      let opened: Opened | null = null;
      const timer = setTimeout(() => reject(new Error('no echo within 10 s')), 10_000);
      open({
        onEcho: () => {
          clearTimeout(timer);
          opened?.close();
          resolve();
        },
        onLost: (why) => reject(new Error(`ended: ${why}`)),
      }).then((c) => {
        opened = c;
        c.send(payload);
      }, reject);
    });
  for (let i = 0; i < WARMUP_CONNECTIONS; i++) {
    await echoOnce().catch((error) => {
      throw new Error(`warm-up connection ${i + 1}: ${describe(error)}`);
    });
  }
  await sleep(200);
  await settle();
  const baseline = memory();

  // 2. N connections, one after another.
  const times = new Float64Array(n);
  const rampStart = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    try {
      conns.push(await open(handlers(i)));
    } catch (error) {
      throw new Error(`connection ${i + 1} of ${n} failed: ${describe(error)}`);
    }
    times[i] = performance.now() - t0;
  }
  const connectTotalS = (performance.now() - rampStart) / 1000;

  // 3. All idle.
  await sleep(200);
  await settle();
  const idle = memory();
  if (lost) throw new Error(lost);

  // 4. All N in a request/response loop at once.
  for (let i = 0; i < n; i++) {
    inflight++;
    conns[i].send(payload);
  }
  await sleep(warmupMs);
  total = 0;
  counts.fill(0);
  measuring = true;
  const t0 = performance.now();
  await sleep(durationMs);
  measuring = false;
  const elapsed = performance.now() - t0;
  const echoes = total;
  stopping = true;
  if (inflight > 0) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), sleep(5000)]);
  const stuck = inflight;
  if (badEcho) throw new Error(badEcho);
  if (lost) throw new Error(lost);
  if (echoes === 0) throw new Error(`no echo in ${durationMs / 1000} s with ${n} connections`);

  const buckets = Math.min(20, n);
  const connectCurve: [number, number][] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    connectCurve.push([from, Number(median(times.subarray(from, to)).toFixed(3))]);
  }
  const k = Math.min(10, n);
  const result: ChildResult = {
    connections: n,
    size,
    baseline,
    idle,
    rssPerConnection: (idle.rss - baseline.rss) / n,
    heapPerConnection: (idle.heap - baseline.heap) / n,
    externalPerConnection: (idle.external - baseline.external) / n,
    connectStartMs: median(times.subarray(0, k)),
    connectAtNMs: median(times.subarray(n - k)),
    connectTotalS,
    connectCurve,
    echoesPerSecond: (echoes * 1000) / elapsed,
    echoes,
    elapsedS: elapsed / 1000,
    ...perConnection(counts),
    stuck,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);

  for (const c of conns) c.close();
  await sleep(Math.min(2000, 100 + n));
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`connections: ${describe(error)}`);
    process.exit(1);
  },
);
