// The many-connections driver of `--servers --connections N`: one Node process, raw sockets (node:net,
// node:tls), one pre-masked frame written again and again, echoes counted from their headers
// (bench/clients/floor.ts): as little client as there can be, so that the server is what is measured.
// Driven by the benchmark (connections.ts) in lines, so that it can read the server's memory between
// the steps:
//   1. ten connections opened, echoed once and closed (the server's code paths warmed up); prints `ready`;
//   2. on `open` (stdin): N connections opened one after another, each waiting for its 101; prints
//      `opened {"connectTotalS":…}`;
//   3. on `run`: all N in a request/response loop at once, a warm-up then --duration seconds; prints
//      `RESULT {json}` (the fields of DriverResult), closes every connection and exits.
// Any failure: `connections: WHY` on stderr, exit 1.
import net from 'node:net';
import process from 'node:process';
import tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FrameCounter, maskedFrame } from '../clients/floor.ts';
import { stdinLines } from './common.ts';
import { type PerConnection, perConnection } from '../report/per-connection.ts';

export interface DriverResult extends PerConnection {
  connections: number;
  size: number;
  connectTotalS: number;
  echoesPerSecond: number;
  echoes: number;
  elapsedS: number;
  /** Echoes still awaited 5 s after the loop stopped. */
  stuck: number;
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '1000' },
    size: { type: 'string', default: '256' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    ca: { type: 'string' },
  },
});
if (!values.url) throw new Error('--url is required');
const url = new URL(values.url);
const secure = url.protocol === 'wss:';
const host = url.hostname.replace(/^\[|\]$/g, '');
const port = Number(url.port || (secure ? 443 : 80));
const n = Number(values.connections);
const size = Number(values.size);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const ca = values.ca ? await readFile(values.ca, 'utf8') : undefined;

const request = new TextEncoder().encode(
  `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
);
const payload = new Uint8Array(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
const frame = maskedFrame(payload);
/** A masked close frame (1000), sent before ending a connection. */
const closeFrame = Uint8Array.of(0x88, 0x82, 0x12, 0x34, 0x56, 0x78, 0x03 ^ 0x12, 0xe8 ^ 0x34);

interface Opened {
  socket: net.Socket;
  /** Set once open: what an echo does. */
  onEcho: (length: number) => void;
  /** Set once open: what the connection's end does. */
  onLost: (why: string) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /EMFILE|ENFILE|too many open files/i.test(text)
    ? `${text}: the open-file limit is too low for ${n} connections; raise it (ulimit -n)`
    : text;
}

/** Opens one connection and resolves once its 101 has come (the head is checked, not the accept key). */
function open(): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({ host, port, ca, servername: net.isIP(host) ? undefined : host })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    const opened: Opened = { socket, onEcho: () => {}, onLost: () => {} };
    const counter = new FrameCounter((length) => opened.onEcho(length));
    let head = '';
    let upgraded = false;
    let tail = 0;
    socket.on('data', (chunk: Buffer) => {
      if (!upgraded) {
        for (let i = 0; i < chunk.length && !upgraded; i++) {
          const b = chunk[i];
          if (head.length < 200) head += String.fromCharCode(b);
          tail = b === (tail % 2 === 0 ? 13 : 10) ? tail + 1 : b === 13 ? 1 : 0;
          if (tail === 4) {
            upgraded = true;
            const status = head.split('\r\n')[0];
            if (!/^HTTP\/1\.1 101\b/.test(status)) {
              socket.destroy();
              reject(new Error(`the server answered the upgrade with ${JSON.stringify(status)}`));
              return;
            }
            resolve(opened);
          }
        }
      }
      counter.push(chunk, 0, chunk.length);
    });
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('error', (error) => {
      if (!upgraded) reject(error);
      else opened.onLost(error.message);
    });
    socket.on('close', () => {
      if (!upgraded) reject(new Error('closed before the upgrade'));
      else opened.onLost('closed by the server');
    });
  });
}

function readLines(): (match: string) => Promise<void> {
  const seen: string[] = [];
  const waiters = new Map<string, () => void>();
  stdinLines(
    (line) => {
      const waiter = waiters.get(line);
      if (waiter) {
        waiters.delete(line);
        waiter();
      } else seen.push(line);
    },
    // The benchmark is gone: nothing to wait for.
    () => process.exit(1),
  );
  return (line) =>
    seen.includes(line) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(line, resolve));
}

async function main(): Promise<void> {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--connections: not a count: ${values.connections}`);
  const line = readLines();

  // 1. Warm-up: ten connections, each echoing once, then closed.
  for (let i = 0; i < 10; i++) {
    const c = await open().catch((error) => {
      throw new Error(`warm-up connection ${i + 1}: ${describe(error)}`);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`warm-up connection ${i + 1}: no echo within 10 s`)), 10_000);
      c.onEcho = () => {
        clearTimeout(timer);
        resolve();
      };
      c.onLost = (why) => reject(new Error(`warm-up connection ${i + 1} ended: ${why}`));
      c.socket.write(frame);
    });
    c.onLost = () => {};
    c.socket.end(closeFrame);
  }
  await sleep(200);
  console.log('ready');

  // 2. N connections, one after another, kept open and idle.
  await line('open');
  const conns: Opened[] = [];
  let lost: string | null = null;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    try {
      conns.push(await open());
    } catch (error) {
      throw new Error(`connection ${i + 1} of ${n} failed: ${describe(error)}`);
    }
    conns[i].onLost = (why) => {
      lost ??= `connection ${i + 1} of ${n} ended: ${why}`;
    };
  }
  const connectTotalS = (performance.now() - start) / 1000;
  console.log(`opened ${JSON.stringify({ connectTotalS })}`);

  // 3. All N in a request/response loop at once.
  await line('run');
  if (lost) throw new Error(lost);
  const counts = new Uint32Array(n);
  let measuring = false;
  let stopping = false;
  let total = 0;
  let inflight = 0;
  let badEcho: string | null = null;
  let drained: (() => void) | null = null;
  conns.forEach((c, i) => {
    c.onEcho = (length) => {
      inflight--;
      if (length !== size) badEcho ??= `an echo of ${length} bytes, expected ${size}`;
      if (measuring) {
        total++;
        counts[i]++;
      }
      if (!stopping) {
        inflight++;
        c.socket.write(frame);
      } else if (inflight === 0) drained?.();
    };
  });
  for (const c of conns) {
    inflight++;
    c.socket.write(frame);
  }
  await sleep(warmupMs);
  measuring = true;
  const t0 = performance.now();
  await sleep(durationMs);
  measuring = false;
  const elapsed = performance.now() - t0;
  stopping = true;
  if (inflight > 0) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), sleep(5000)]);
  if (badEcho) throw new Error(badEcho);
  if (lost) throw new Error(lost);
  if (total === 0) throw new Error(`no echo in ${durationMs / 1000} s with ${n} connections`);
  const result: DriverResult = {
    connections: n,
    size,
    connectTotalS,
    echoesPerSecond: (total * 1000) / elapsed,
    echoes: total,
    elapsedS: elapsed / 1000,
    ...perConnection(counts),
    stuck: inflight,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  for (const c of conns) {
    c.onLost = () => {};
    c.socket.end(closeFrame);
  }
  await sleep(Math.min(2000, 100 + n));
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`connections: ${describe(error)}`);
    process.exit(1);
  },
);
