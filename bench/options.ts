// The benchmark's command line.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  sizes: number[];
  duration: number;
  rounds: number;
  tls: boolean;
  clients: string[] | null;
  runtimes: string[] | null;
  server: string | null;
  out: string;
  quick: boolean;
  micro: boolean;
  strict: boolean;
  warmup: number;
  /** --connections N: the many-connections scenario with N connections instead of request/response. */
  connections: number | null;
  /** --deflate: the server compresses (permessage-deflate); clients that support it negotiate it. */
  deflate: boolean;
  /** What a message holds: `binary` (a byte pattern) or `json` (JSON-like text, sent as a binary message). */
  payload: 'binary' | 'json';
}

/** N when --connections is given without a count. */
export const defaultConnections = 1000;

export const usage = `Usage: node bench | bun run bench | deno task bench [options]

Request/response: each client sends a binary message, waits for the echo, sends the next.

  --sizes 256,8192,100000   message sizes in bytes
  --duration 3              seconds measured per client and size, after the warm-up
  --rounds 3                rounds; clients are interleaved within a round
  --tls                     wss:// against the server's TLS port
  --deflate                 permessage-deflate: the Beast server compresses what it echoes, each client
                            with its own defaults (ours: messages from 1 KiB); a client that does not
                            negotiate it fails with that reason; the payload is JSON unless --payload;
                            results go to results/deflate unless --out; no C++ client (Beast's has none)
  --payload binary|json     what a message holds (default binary; json with --deflate)
  --clients a,b             only these clients (wasm-ws, wasm-ws-class, wasm-ws-c, native, ws, ws-bufferutil, beast-sync, beast-async)
  --runtimes a,b            only these runtimes (node, bun, deno, c++)
  --server URL              use a running echo server instead of starting one
  --out DIR                 where results go (default results/)
  --quick                   a few seconds in all (256 B, short runs, one round): for CI
  --micro                   run the codec micro-benchmarks (mitata) on Node, Bun and Deno instead
  --connections [N]         many connections instead (N default ${defaultConnections}): per client and runtime, in its
                            own process, open N connections one after another (connect time at the start
                            and with N open), RSS and heap per idle connection after GC, then all N in a
                            request/response loop at once (echoes per second, --duration seconds after a
                            warm-up); one size (default 256), one round unless --rounds; clients wasm-ws,
                            wasm-ws-class, native, ws (and wasm-ws-c, ws-bufferutil when named)
  --strict                  exit 1 if any client failed (CI runs --quick --strict)
  -h, --help`;

export function parseOptions(argv: string[]): BenchOptions | null {
  // `--connections` may come without its count.
  const args = [...argv];
  const at = args.indexOf('--connections');
  if (at >= 0 && (at === args.length - 1 || args[at + 1].startsWith('-')))
    args.splice(at + 1, 0, `${defaultConnections}`);
  const { values } = parseArgs({
    args,
    options: {
      sizes: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      tls: { type: 'boolean', default: false },
      clients: { type: 'string' },
      runtimes: { type: 'string' },
      server: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      micro: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      connections: { type: 'string' },
      deflate: { type: 'boolean', default: false },
      payload: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const list = (s: string | undefined) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : null;
  const quick = values.quick!;
  const connections = values.connections === undefined ? null : Number(values.connections);
  if (connections !== null && !(Number.isInteger(connections) && connections > 0))
    throw new Error(`--connections: not a count: ${values.connections}`);
  const sizes = (list(values.sizes) ?? (quick || connections ? ['256'] : ['256', '8192', '100000'])).map(Number);
  for (const size of sizes) if (!Number.isInteger(size) || size < 0) throw new Error(`--sizes: not a size: ${size}`);
  if (connections !== null && sizes.length !== 1) throw new Error('--connections takes one message size (--sizes 256)');
  const duration = Number(values.duration ?? (quick && !connections ? 0.3 : quick ? 1 : 3));
  const rounds = Number(values.rounds ?? (quick || connections ? 1 : 3));
  if (!(duration > 0)) throw new Error('--duration must be a positive number of seconds');
  if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error('--rounds must be a positive integer');
  const deflate = values.deflate!;
  const payload = values.payload ?? (deflate ? 'json' : 'binary');
  if (payload !== 'binary' && payload !== 'json') throw new Error(`--payload: binary or json, not ${payload}`);
  if (deflate && connections !== null) throw new Error('--deflate runs the request/response loop, not --connections');
  return {
    sizes,
    duration,
    rounds,
    tls: values.tls!,
    clients: list(values.clients),
    runtimes: list(values.runtimes),
    server: values.server ?? null,
    out: values.out ?? (deflate ? 'results/deflate' : 'results'),
    quick,
    micro: values.micro!,
    strict: values.strict!,
    warmup: 100,
    connections,
    deflate,
    payload,
  };
}
