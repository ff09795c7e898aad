// Node-side handle on the C++ Boost.Beast reference: finds the binaries built by
// `npm run build:native`, runs the echo server on ephemeral ports, runs the benchmark client.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BeastBinaries {
  server: string;
  client: string;
  cert: string;
  key: string;
}

export interface BeastExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BeastServer {
  host: string;
  plainPort: number;
  tlsPort: number;
  url: string;
  tlsUrl: string;
  pid: number;
  /** Settles when the server process exits, however it is stopped. */
  exited: Promise<BeastExit>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

export interface BeastClientOptions {
  async: boolean;
  secure: boolean;
  host: string;
  port: number;
  size: number;
  seconds: number;
}

const OUT_DIR = fileURLToPath(new URL('../build/out/native/', import.meta.url));
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_KEEP = 4096;

/** Paths of the built binaries and certificate, or null when `npm run build:native` has not built them. */
export function beastBinaries(): BeastBinaries | null {
  const bins: BeastBinaries = {
    server: `${OUT_DIR}ws_echo_server`,
    client: `${OUT_DIR}ws_echo_client`,
    cert: `${OUT_DIR}server.crt`,
    key: `${OUT_DIR}server.key`,
  };
  return Object.values(bins).every((path) => existsSync(path)) ? bins : null;
}

function requireBinaries(): BeastBinaries {
  const bins = beastBinaries();
  if (!bins) throw new Error('Beast binaries not built: run `npm run build:native`');
  return bins;
}

// 'close' rather than 'exit': by then stdout and stderr have been read to the end.
function exitOf(child: ChildProcess): Promise<BeastExit> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** Keeps the tail of a stream's text, so a chatty process cannot grow memory without bound. */
function tail(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-STDERR_KEEP);
  });
  return () => text;
}

const hostInUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** Starts the echo server on ephemeral plain and TLS ports (with permessage-deflate when `deflate`); resolves once it listens. */
export async function startBeastServer(opts: { host?: string; deflate?: boolean } = {}): Promise<BeastServer> {
  const bins = requireBinaries();
  const args = [opts.host ?? '127.0.0.1', '0', '0', ...(opts.deflate ? ['--deflate'] : [])];
  const child = spawn(bins.server, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WS_ECHO_CERT: bins.cert, WS_ECHO_KEY: bins.key },
  });
  const stderr = tail(child.stderr);
  const exited = exitOf(child);
  // A test process that dies without stop() must not leave the server behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const listening = await new Promise<RegExpExecArray>((resolve, reject) => {
    let out = '';
    const fail = (why: string): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`ws_echo_server ${why}\n${stderr()}`.trimEnd()));
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const match = /^listening host=(\S+) plain=(\d+) tls=(\d+)$/m.exec(out);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited before listening (code ${code}, signal ${signal})`);
    const onError = (err: Error): void => fail(`failed to start: ${err.message}`);
    const timer = setTimeout(
      () => fail(`did not print its listening line within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('close', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onData);
    child.once('close', onExit);
    child.once('error', onError);
  });
  child.stdout?.resume(); // nothing more is expected, but never let the pipe fill

  const [, host = '', plain = '', tls = ''] = listening;
  const plainPort = Number(plain);
  const tlsPort = Number(tls);
  return {
    host,
    plainPort,
    tlsPort,
    url: `ws://${hostInUrl(host)}:${plainPort}/`,
    tlsUrl: `wss://${hostInUrl(host)}:${tlsPort}/`,
    pid: child.pid ?? -1,
    exited,
    async stop(): Promise<void> {
      const running = child.exitCode === null && child.signalCode === null;
      if (running) child.kill('SIGTERM');
      const timer = running ? setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS) : undefined;
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs ws_echo_client once; resolves with the requests per second from its last line. */
export async function runBeastClient(opts: BeastClientOptions): Promise<{ rps: number; stdout: string }> {
  const bins = requireBinaries();
  const args = [
    opts.async ? '1' : '0',
    opts.secure ? '1' : '0',
    opts.host,
    String(opts.port),
    String(opts.size),
    String(opts.seconds),
  ];
  const child = spawn(bins.client, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  const stderr = tail(child.stderr);
  // The client stops itself after `seconds`; this only guards against a hung connection.
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.seconds * 1000 + 15_000);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const { code, signal } = await Promise.race([exitOf(child), spawnError]).finally(() => clearTimeout(timer));

  const what = `ws_echo_client ${args.join(' ')}`;
  if (code !== 0) throw new Error(`${what} failed (code ${code}, signal ${signal}): ${stderr().trim()}`);
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  const match = /^rps=(\d+(?:\.\d+)?)$/.exec(last);
  if (!match) throw new Error(`${what} printed no rps line: ${JSON.stringify(stdout)}`);
  return { rps: Number(match[1]), stdout };
}
