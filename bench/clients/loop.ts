// The request/response loop every JS client runs: send a binary message of N bytes, wait for its echo,
// send the next at once; a warm-up not counted, then a fixed duration. Prints one RESULT line.
import { parseArgs } from 'node:util';
import { jsonText } from '../payload.ts';

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
  payload: 'binary' | 'json';
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
    payload: values.payload === 'json' ? 'json' : 'binary',
  };
}

/** What a client library must do for the loop: the payload is sent as is; onEcho gets the echo's length. */
export interface EchoClient {
  send(payload: Uint8Array): void;
  close(): void;
  /** The extensions the server agreed to (Sec-WebSocket-Extensions). */
  extensions: string;
}

export type Connector = (onEcho: (length: number) => void) => Promise<EchoClient>;

export async function runLoop(args: ClientArgs, connectClient: Connector): Promise<void> {
  const payload = args.payload === 'json' ? jsonText(args.size) : new Uint8Array(args.size);
  if (args.payload === 'binary') for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
  let warmupLeft = args.warmup;
  let count = 0;
  let start = 0;
  const durationMs = args.duration * 1000;
  let client!: EchoClient;
  const done = new Promise<{ count: number; elapsed: number }>((resolve, reject) => {
    const onEcho = (length: number): void => {
      if (length !== args.size) {
        reject(new Error(`echo of ${length} bytes, expected ${args.size}`));
        return;
      }
      if (warmupLeft > 0) {
        if (--warmupLeft === 0) start = performance.now();
      } else {
        count++;
        // Checking the clock every 64 round trips keeps its cost out of small-message loops.
        if ((count & 63) === 0 || args.size >= 8192) {
          const elapsed = performance.now() - start;
          if (elapsed >= durationMs) {
            resolve({ count, elapsed });
            return;
          }
        }
      }
      client.send(payload);
    };
    connectClient(onEcho).then((c) => {
      client = c;
      if (args.deflate && !/permessage-deflate/.test(c.extensions)) {
        c.close();
        reject(new Error(`did not negotiate permessage-deflate (extensions: ${JSON.stringify(c.extensions)})`));
        return;
      }
      if (warmupLeft === 0) start = performance.now();
      client.send(payload);
    }, reject);
  });
  const { count: n, elapsed } = await done;
  console.log(`RESULT ${JSON.stringify({ rps: (n * 1000) / elapsed, count: n, elapsed: elapsed / 1000 })}`);
  client.close();
}

/** Reads a file on any of the three runtimes, for --ca. */
export async function readText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}
