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
}

export const usage = `Usage: node bench | bun run bench | deno task bench [options]

Request/response: each client sends a binary message, waits for the echo, sends the next.

  --sizes 256,8192,100000   message sizes in bytes
  --duration 3              seconds measured per client and size, after the warm-up
  --rounds 3                rounds; clients are interleaved within a round
  --tls                     wss:// against the server's TLS port
  --clients a,b             only these clients (wasm-ws, wasm-ws-class, wasm-ws-c, native, ws, ws-bufferutil, beast-sync, beast-async)
  --runtimes a,b            only these runtimes (node, bun, deno, c++)
  --server URL              use a running echo server instead of starting one
  --out DIR                 where results go (default results/)
  --quick                   a few seconds in all (256 B, short runs, one round): for CI
  --micro                   run the codec micro-benchmarks (mitata) on Node, Bun and Deno instead
  --strict                  exit 1 if any client failed (CI runs --quick --strict)
  -h, --help`;

export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      tls: { type: 'boolean', default: false },
      clients: { type: 'string' },
      runtimes: { type: 'string' },
      server: { type: 'string' },
      out: { type: 'string', default: 'results' },
      quick: { type: 'boolean', default: false },
      micro: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
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
  const sizes = (list(values.sizes) ?? (quick ? ['256'] : ['256', '8192', '100000'])).map(Number);
  for (const size of sizes) if (!Number.isInteger(size) || size < 0) throw new Error(`--sizes: not a size: ${size}`);
  const duration = Number(values.duration ?? (quick ? 0.3 : 3));
  const rounds = Number(values.rounds ?? (quick ? 1 : 3));
  if (!(duration > 0)) throw new Error('--duration must be a positive number of seconds');
  if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error('--rounds must be a positive integer');
  return {
    sizes,
    duration,
    rounds,
    tls: values.tls!,
    clients: list(values.clients),
    runtimes: list(values.runtimes),
    server: values.server ?? null,
    out: values.out!,
    quick,
    micro: values.micro!,
    strict: values.strict!,
    warmup: 100,
  };
}
