// The benchmark's command line.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  sizes: number[];
  duration: number;
  rounds: number;
  /** --tls: TLS only (request/response), or wss:// for --connections. */
  tls: boolean;
  /** What request/response runs over: plain and TLS by default; --tls or --plain picks one. */
  transports: ('plain' | 'tls')[];
  clients: string[] | null;
  runtimes: string[] | null;
  server: string | null;
  out: string;
  quick: boolean;
  micro: boolean;
  /** Pin the server and the clients to CPUs with taskset (default; --no-pin turns it off). */
  pin: boolean;
  /** `--micro FILTER`: which micro-benchmarks (a regular expression over their names); null: all. */
  microFilter: string | null;
  strict: boolean;
  warmup: number;
  /** --connections N: the many-connections scenario with N connections instead of request/response. */
  connections: number | null;
  /** --deflate: the server compresses (permessage-deflate); clients that support it negotiate it. */
  deflate: boolean;
  /**
   * What a message holds: `binary` (a byte pattern), `json` (JSON-like text, sent as a binary message) or
   * `text` (non-ASCII text in a text message: UTF-8 validated end to end).
   */
  payload: 'binary' | 'json' | 'text';
  /** --servers [LIST]: measure echo servers instead of clients (bench/servers/); which ones. */
  servers: ServerFilter | null;
  /** --drivers a,b: the clients that drive the servers (null: the default ones). */
  drivers: string[] | null;
}

/** `--servers a,b`: only those (`include`); `--servers -a`: all but those (`exclude`); both may mix. */
export interface ServerFilter {
  include: string[] | null;
  exclude: string[];
}

/** N when --connections is given without a count. */
export const defaultConnections = 1000;

export const usage = `Usage: node bench | bun run bench | deno task bench [options]

Request/response: each client sends a binary message, waits for the echo, sends the next.

  --sizes 256,8192,100000   message sizes in bytes
  --duration 3              seconds measured per client and size, after the warm-up
  --rounds 3                rounds; clients are interleaved within a round
  --tls                     TLS only (by default request/response runs plain, then TLS against the
                            server's TLS port, as the seed runs TCP and SSL); with --connections: wss://
  --plain                   plain only
  --deflate                 permessage-deflate: the Beast server compresses what it echoes, each client
                            with its own defaults (ours: messages from 1 KiB); a client that does not
                            negotiate it fails with that reason; the payload is JSON unless --payload;
                            results go to results/deflate unless --out; no C++ client (Beast's has none)
  --payload binary|json|text  what a message holds (default binary; json with --deflate); text: a text
                            message of Latin, Greek, CJK and emoji, which every client validates as UTF-8
  --text                    the same as --payload text (no C++ client: Beast's sends binary)
  --clients a,b             only these clients (wasm-ws, wasm-ws-class, wasm-ws-c, native, undici, ws,
                            ws-bufferutil, floor, beast-sync, beast-async); floor is the I/O floor, not a
                            client: a raw socket sending a pre-masked frame and counting echoed headers
  --runtimes a,b            only these runtimes (node: the Node running the benchmark; node24: Node 24 from
                            build/node24, with undici 8 from npm; bun, deno, c++)
  --server URL              use a running echo server instead of starting one
  --out DIR                 where results go (default results/)
  --quick                   a few seconds in all (256 B, short runs, one round): for CI
  --micro [FILTER]          run the codec micro-benchmarks (mitata) on Node, Bun and Deno instead; FILTER,
                            a regular expression over their names, picks some (mask, parse, utf8, deflate)
  --connections [N]         many connections instead (N default ${defaultConnections}): per client and runtime, in its
                            own process, open N connections one after another (connect time at the start
                            and with N open), RSS and heap per idle connection after GC, then all N in a
                            request/response loop at once (echoes per second, --duration seconds after a
                            warm-up); one size (default 256), one round unless --rounds; clients wasm-ws,
                            wasm-ws-class, native, ws (and wasm-ws-c, ws-bufferutil when named)
  --no-pin                  do not pin CPUs (by default, where taskset and two CPUs exist, the server runs
                            on CPU 0 and each client on CPU 1: request/response runs only)
  --strict                  exit 1 if any client failed (CI runs --quick --strict)
  -h, --help

Servers: \`--servers [LIST]\` measures echo servers instead of clients, each started in its own process on its
own runtime (plain, or TLS with build/out/native/server.crt), driven by fixed clients, the same loop:

  --servers [LIST]          which servers (default all): ours (wasm-ws serve() on node, node24, bun, deno),
                            ws (WebSocketServer + bufferutil, node and node24), bun-serve (Bun.serve),
                            deno-serve (Deno.serve), native (each runtime's own: ws, bun-serve, deno-serve),
                            floor (a raw socket answering each frame with a pre-built one: a floor, not a
                            competitor), beast (the Beast C++ server); a name after a minus leaves it out:
                            --servers -ours is all but ours, --servers ws,beast only those two
  --drivers a,b             the clients that drive them (default beast-sync,floor-bun: the Beast C++ client
                            in sync mode and the I/O floor client on Bun); also beast-async, floor-node,
                            floor-node24, floor-deno
  --runtimes a,b            only the servers on these runtimes (node, node24, bun, deno, c++)
  --connections [N]         with --servers: N connections (default ${defaultConnections}) to each server from one
                            Node process, the server's RSS per idle connection (after its GC), then all N in
                            a request/response loop (echoes per second)
  --sizes, --duration, --rounds, --quick, --plain, --tls, --payload, --no-pin, --strict, --out as above; the
  server runs on CPU 0, each driver on CPU 1; results go to results/servers unless --out`;

export function parseOptions(argv: string[]): BenchOptions | null {
  // `--connections` may come without its count.
  const args = [...argv];
  const at = args.indexOf('--connections');
  if (at >= 0 && (at === args.length - 1 || args[at + 1].startsWith('-')))
    args.splice(at + 1, 0, `${defaultConnections}`);
  // `--servers` may come with a list: the next argument unless it is an option (`-name` leaves one out).
  let serverList: string | null = null;
  const serversAt = args.findIndex((a) => a === '--servers' || a.startsWith('--servers='));
  if (serversAt >= 0) {
    const arg = args[serversAt];
    if (arg.startsWith('--servers=')) {
      serverList = arg.slice('--servers='.length);
      args[serversAt] = '--servers';
    } else if (serversAt + 1 < args.length && !args[serversAt + 1].startsWith('--') && args[serversAt + 1] !== '-h') {
      serverList = args[serversAt + 1];
      args.splice(serversAt + 1, 1);
    }
  }
  // `--micro` may come with a filter: the next argument unless it is an option.
  let microFilter: string | null = null;
  const micro = args.indexOf('--micro');
  if (micro >= 0 && micro + 1 < args.length && !args[micro + 1].startsWith('-')) {
    microFilter = args[micro + 1];
    args.splice(micro + 1, 1);
  }
  const { values } = parseArgs({
    args,
    options: {
      sizes: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      tls: { type: 'boolean', default: false },
      plain: { type: 'boolean', default: false },
      clients: { type: 'string' },
      runtimes: { type: 'string' },
      server: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      micro: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      connections: { type: 'string' },
      deflate: { type: 'boolean', default: false },
      payload: { type: 'string' },
      text: { type: 'boolean', default: false },
      servers: { type: 'boolean', default: false },
      drivers: { type: 'string' },
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
  if (values.tls && values.plain) throw new Error('--tls and --plain: pick one (neither runs both)');
  const deflate = values.deflate!;
  if (values.text && values.payload !== undefined && values.payload !== 'text')
    throw new Error('--text and --payload disagree');
  const payload = values.text ? 'text' : (values.payload ?? (deflate ? 'json' : 'binary'));
  if (payload !== 'binary' && payload !== 'json' && payload !== 'text')
    throw new Error(`--payload: binary, json or text, not ${payload}`);
  if (deflate && connections !== null) throw new Error('--deflate runs the request/response loop, not --connections');
  let servers: ServerFilter | null = null;
  if (values.servers) {
    const names = list(serverList ?? undefined) ?? [];
    const exclude = names.filter((n) => n.startsWith('-')).map((n) => n.slice(1));
    const include = names.filter((n) => !n.startsWith('-'));
    servers = { include: include.length ? include : null, exclude };
    if (deflate) throw new Error('--servers measures without permessage-deflate: no --deflate');
    if (values.server) throw new Error('--servers starts its own servers: no --server URL');
    if (values.clients) throw new Error('--servers measures servers: --drivers picks the clients that drive them');
  } else if (values.drivers) throw new Error('--drivers goes with --servers');
  const out = servers
    ? payload === 'text'
      ? 'results/servers/text'
      : 'results/servers'
    : deflate
      ? 'results/deflate'
      : payload === 'text'
        ? 'results/text'
        : 'results';
  return {
    sizes,
    duration,
    rounds,
    tls: values.tls!,
    transports: values.tls ? ['tls'] : values.plain ? ['plain'] : ['plain', 'tls'],
    clients: list(values.clients),
    runtimes: list(values.runtimes),
    server: values.server ?? null,
    out: values.out ?? out,
    quick,
    micro: values.micro!,
    microFilter,
    pin: !values['no-pin'],
    strict: values.strict!,
    warmup: 100,
    connections,
    deflate,
    payload,
    servers,
    drivers: list(values.drivers),
  };
}
