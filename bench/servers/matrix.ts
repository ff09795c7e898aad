// `--servers`: every echo server measured, each in its own process on its own runtime, the command that
// starts it, and the drivers (clients) that measure them.
import { fileURLToPath } from 'node:url';
import { beastBinaries } from '../../server/beast.ts';
import { type ClientSpec, type Command, jsRuntimes, type Runtime, allClients, runtimeCommand } from '../matrix.ts';
import type { ServerFilter } from '../options.ts';

type JsRuntime = Exclude<Runtime, 'c++'>;

/** Where every server listens. */
export const HOST = '127.0.0.1';

/** Lets the benchmark kill a process early (Ctrl-C); returns the undo. */
export type Register = (kill: () => void) => () => void;

/** The r-th rotation of `list`: round r starts at its r-th element, so that nothing always runs first. */
export const rotate = <T>(list: T[], r: number): T[] => list.map((_, i) => list[(i + r) % list.length]);

export interface ServerStart {
  host: string;
  /** Certificate and key files: TLS when given. */
  tls: { cert: string; key: string } | null;
}

export interface ServerSpec {
  /** What `--servers` names it by, and the table's row. */
  server: string;
  runtime: Runtime;
  api: string;
  label: string;
  /** Speaks the control protocol of common.ts on stdin (`gc`; stdin's end stops it): the JS servers. */
  controlled: boolean;
  command(start: ServerStart): Command;
}

/** The table's rows, in order. */
export const serverOrder = ['ours', 'ws', 'bun-serve', 'deno-serve', 'floor', 'beast'];
/** What --servers takes: the servers, and `native` for each runtime's own (ws on Node, Bun.serve, Deno.serve). */
export const serverNames = [...serverOrder, 'native'];

/** Each runtime's own server, the reference for ×N: ws on Node, Bun.serve on Bun, Deno.serve on Deno. */
export function nativeServer(runtime: string): string {
  return runtime === 'bun' ? 'bun-serve' : runtime === 'deno' ? 'deno-serve' : runtime === 'c++' ? 'beast' : 'ws';
}

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

function jsServer(runtime: JsRuntime, file: string, start: ServerStart): Command {
  const args = ['--host', start.host, '--control'];
  if (start.tls) args.push('--cert', start.tls.cert, '--key', start.tls.key);
  // A gc() the harness can have called (`gc` on stdin) before it reads the server's RSS; Bun has Bun.gc.
  return runtimeCommand(runtime, file, args, undefined, { node: ['--expose-gc'], deno: ['--v8-flags=--expose-gc'] });
}

// Over the socket API ours uses: on Deno over TLS that is node:tls (runtimes/node-sockets.ts says why).
function floorScript(runtime: JsRuntime, tls: boolean): string {
  if (runtime === 'bun') return 'floor.bun.ts';
  return runtime === 'deno' && !tls ? 'floor.deno.ts' : 'floor-node.ts';
}

export function allServers(): ServerSpec[] {
  const specs: ServerSpec[] = [];
  const js = (
    server: string,
    runtime: JsRuntime,
    api: string,
    label: string,
    file: string | ((tls: boolean) => string),
  ) =>
    specs.push({
      server,
      runtime,
      api,
      label,
      controlled: true,
      command: (start) => jsServer(runtime, script(typeof file === 'string' ? file : file(start.tls !== null)), start),
    });
  for (const runtime of jsRuntimes()) js('ours', runtime, 'serve()', 'wasm-ws serve()', 'ours.ts');
  for (const runtime of jsRuntimes())
    if (runtime === 'node' || runtime === 'node24')
      js('ws', runtime, 'WebSocketServer', 'ws WebSocketServer + bufferutil', 'ws.ts');
  if (jsRuntimes().includes('bun')) js('bun-serve', 'bun', 'Bun.serve', 'Bun.serve', 'bun-serve.bun.ts');
  if (jsRuntimes().includes('deno')) js('deno-serve', 'deno', 'Deno.serve', 'Deno.serve', 'deno-serve.deno.ts');
  for (const runtime of jsRuntimes())
    js('floor', runtime, 'raw socket', 'floor server (raw socket)', (tls) => floorScript(runtime, tls));
  const beast = beastBinaries();
  if (beast)
    specs.push({
      server: 'beast',
      runtime: 'c++',
      api: 'beast',
      label: 'Beast C++ server',
      controlled: false,
      // It always loads a certificate, and serves plain and TLS on two ports: the harness takes the one it needs.
      command: (start) => ({
        command: beast.server,
        args: [start.host, '0', '0', `--cert=${start.tls?.cert ?? beast.cert}`, `--key=${start.tls?.key ?? beast.key}`],
      }),
    });
  return specs;
}

/** `--servers a,b` (only those), `--servers -a` (all but those), with --runtimes. */
export function selectServers(filter: ServerFilter, runtimes: string[] | null): ServerSpec[] {
  const unknown = [...(filter.include ?? []), ...filter.exclude].filter((n) => !serverNames.includes(n));
  if (unknown.length)
    throw new Error(`--servers: unknown server(s) ${unknown.join(', ')} (there are ${serverNames.join(', ')})`);
  const named = (names: string[], s: ServerSpec) =>
    names.includes(s.server) ||
    (names.includes('native') && s.server === nativeServer(s.runtime) && s.runtime !== 'c++');
  const specs = allServers().filter(
    (s) =>
      (filter.include === null || named(filter.include, s)) &&
      !named(filter.exclude, s) &&
      (!runtimes || runtimes.includes(s.runtime)),
  );
  if (specs.length === 0)
    throw new Error(
      `No server matches --servers/--runtimes${beastBinaries() ? '' : ' (the Beast server is not built: npm run build:native)'}`,
    );
  return specs;
}

export interface DriverSpec {
  driver: string;
  label: string;
  client: ClientSpec;
}

/** The drivers --drivers can name; the first two are the default. */
export const driverNames = ['beast-sync', 'floor-bun', 'beast-async', 'floor-node', 'floor-node24', 'floor-deno'];
export const defaultDrivers = ['beast-sync', 'floor-bun'];

/**
 * The clients that drive the servers: the Beast C++ client (sync) and the I/O floor client on Bun by
 * default. The floor clients (bench/clients/floor*.ts) do the least a client can per round trip (one
 * pre-masked frame written again and again, echoes counted from their headers), so the server's work
 * is most of each round trip; on Bun it is the fastest of the three or within 15 % of it at every size,
 * plain and TLS, where Node's halves over TLS at 8 KiB and 100 KB (node:tls 'data' events).
 */
export function selectDrivers(names: string[] | null, payload: 'binary' | 'json' | 'text'): DriverSpec[] {
  const wanted = names ?? defaultDrivers;
  const unknown = wanted.filter((n) => !driverNames.includes(n));
  if (unknown.length)
    throw new Error(`--drivers: unknown driver(s) ${unknown.join(', ')} (there are ${driverNames.join(', ')})`);
  const clients = allClients();
  const drivers: DriverSpec[] = [];
  for (const name of wanted) {
    const [kind, runtime] = name.startsWith('beast-') ? [name, 'c++'] : ['floor', name.slice('floor-'.length)];
    const client = clients.find((c) => c.client === kind && c.runtime === runtime);
    // Beast's client sends binary messages only; a runtime or binary that is not here drives nothing.
    if (!client || (runtime === 'c++' && payload === 'text')) continue;
    drivers.push({
      driver: name,
      label:
        runtime === 'c++'
          ? client.label.replace('Beast C++', 'Beast C++ client')
          : `floor client on ${runtimeName(runtime)}`,
      client,
    });
  }
  if (drivers.length === 0)
    throw new Error(
      `No driver here for ${wanted.join(', ')}${payload === 'text' ? " (Beast's client sends binary only)" : ''}${beastBinaries() ? '' : ' (the Beast client is not built: npm run build:native)'}`,
    );
  return drivers;
}

function runtimeName(runtime: string): string {
  return { node: 'Node', node24: 'Node 24', bun: 'Bun', deno: 'Deno' }[runtime] ?? runtime;
}
