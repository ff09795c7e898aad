// The request/response loop every JS client runs: send a binary message of N bytes, wait for its echo,
// send the next at once; a warm-up not counted, then a fixed duration. Each measured round trip goes
// into an HDR histogram. Prints one RESULT line: requests per second, latency percentiles in µs, and
// `cpu`: the process's CPU time (user + system, every thread) over the measured round trips, in µs per
// round trip: the work done per round trip, where the rate also counts waiting. Before them, a MEASURING
// line says when the measured round trips begin (with --servers, the benchmark reads the server's CPU
// time then).
import process from 'node:process';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { jsonText, utf8Text } from '../payload.ts';
import type { Latency } from '../report/measurements.ts';

/** The line a client prints as its measured round trips begin (the Beast client prints it too). */
export const MEASURING_LINE = 'MEASURING';

export interface ClientArgs {
  url: string;
  size: number;
  duration: number;
  warmup: number;
  /** PEM file of the server's certificate, for wss. */
  ca?: string;
  api: string;
  backend: string;
  /** permessage-deflate: offer it, and fail unless it is agreed. */
  deflate: boolean;
  /** binary (a byte pattern), json (JSON-like text in a binary message), text (non-ASCII text, a text message). */
  payload: 'binary' | 'json' | 'text';
}

export function clientArgs(): ClientArgs {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      url: { type: 'string' },
      size: { type: 'string', default: '256' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '100' },
      ca: { type: 'string' },
      api: { type: 'string', default: 'connect' },
      backend: { type: 'string', default: 'as' },
      deflate: { type: 'boolean', default: false },
      payload: { type: 'string', default: 'binary' },
    },
  });
  if (!values.url) throw new Error('--url is required');
  return {
    url: values.url,
    size: Number(values.size),
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    ca: values.ca,
    api: values.api!,
    backend: values.backend!,
    deflate: values.deflate!,
    payload: values.payload === 'json' || values.payload === 'text' ? values.payload : 'binary',
  };
}

/**
 * What a client library must do for the loop: the payload is sent as is (a string as a text message);
 * onEcho gets the echo's length, in bytes or, for an echo delivered as a string, in UTF-16 units.
 */
export interface EchoClient {
  send(payload: Uint8Array | string): void;
  close(): void;
  /** The extensions the server agreed to (Sec-WebSocket-Extensions). */
  extensions: string;
}

export type Connector = (onEcho: (length: number) => void) => Promise<EchoClient>;

/** Round trips in nanoseconds, 1 ns to 60 s, 3 significant digits (~100 KiB of counts; grows past 60 s rather than throw). */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60e9,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

/** The RESULT line's `latency`: percentiles in µs, to 0.1 µs. */
export function latencyOf(histogram: hdr.Histogram): Latency {
  const us = (ns: number) => Math.round(ns / 100) / 10;
  // A percentile is the top of its bucket (within 0.1%): never above the largest round trip itself.
  const at = (percentile: number) => us(Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue));
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: us(histogram.maxValue) };
}

/** What each request sends. */
export function messagePayload(args: ClientArgs): Uint8Array | string {
  if (args.payload === 'text') return utf8Text(args.size);
  if (args.payload === 'json') return jsonText(args.size);
  const bytes = new Uint8Array(args.size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

export async function runLoop(args: ClientArgs, connectClient: Connector): Promise<void> {
  const payload = messagePayload(args);
  // An echo delivered as a string has the string's length.
  const textLength = typeof payload === 'string' ? payload.length : -1;
  const histogram = latencyHistogram();
  let warmupLeft = args.warmup;
  let count = 0;
  let start = 0;
  let cpuAtStart = process.cpuUsage();
  // When the message now in flight was sent (ms, performance.now()).
  let sentAt = 0;
  const beginMeasuring = (now: number): void => {
    console.log(MEASURING_LINE);
    start = now;
    cpuAtStart = process.cpuUsage();
  };
  const durationMs = args.duration * 1000;
  let client!: EchoClient;
  const done = new Promise<{ count: number; elapsed: number; cpu: number }>((resolve, reject) => {
    const onEcho = (length: number): void => {
      if (length !== args.size && length !== textLength) {
        reject(new Error(`echo of ${length} bytes, expected ${args.size}`));
        return;
      }
      // One clock read per round trip: it ends this round trip and starts the next.
      const now = performance.now();
      if (warmupLeft > 0) {
        if (--warmupLeft === 0) beginMeasuring(now);
        sentAt = now;
        client.send(payload);
        return;
      }
      count++;
      const roundTrip = now - sentAt;
      if (now - start >= durationMs) {
        const cpu = process.cpuUsage(cpuAtStart);
        histogram.recordValue(roundTrip * 1e6);
        resolve({ count, elapsed: now - start, cpu: cpu.user + cpu.system });
        return;
      }
      sentAt = now;
      client.send(payload);
      // Recorded while the next message is on its way, not between an echo and the next send.
      histogram.recordValue(roundTrip * 1e6);
    };
    connectClient(onEcho).then((c) => {
      client = c;
      if (args.deflate && !/permessage-deflate/.test(c.extensions)) {
        c.close();
        reject(new Error(`did not negotiate permessage-deflate (extensions: ${JSON.stringify(c.extensions)})`));
        return;
      }
      sentAt = performance.now();
      if (warmupLeft === 0) beginMeasuring(sentAt);
      client.send(payload);
    }, reject);
  });
  const { count: n, elapsed, cpu } = await done;
  const result = {
    rps: (n * 1000) / elapsed,
    count: n,
    elapsed: elapsed / 1000,
    latency: latencyOf(histogram),
    cpu: Math.round((cpu / n) * 10) / 10,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  client.close();
}

/** Reads a file on any of the three runtimes, for --ca. */
export async function readText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}
