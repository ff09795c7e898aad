// What every echo server script of `--servers` shares, on Node, Bun and Deno alike (node:process and
// node:util work on all three): its command line, the line it prints once it listens, and how the
// harness (bench/servers/process.ts) controls it.
//
// The agreed protocol, one line each on stdout:
//   `listening host=H port=P tls=0|1`  once the listener is bound (the Beast server prints its own
//                                      `listening host=H plain=P tls=T`; the harness reads both);
//   `gc done` / `gc unavailable`       after the harness writes `gc` to stdin: full collections done.
// SIGTERM (and SIGINT) close the server gracefully and exit 0. With --control, stdin is the harness's
// pipe: its end (the harness is gone) stops the server as SIGTERM does.
import process from 'node:process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

export interface ServerArgs {
  host: string;
  /** PEM text of the certificate and key: TLS when given. */
  tls: { cert: string; key: string } | null;
  control: boolean;
}

export async function serverArgs(): Promise<ServerArgs> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      cert: { type: 'string' },
      key: { type: 'string' },
      control: { type: 'boolean', default: false },
    },
  });
  if (Boolean(values.cert) !== Boolean(values.key)) throw new Error('--cert and --key go together');
  const tls =
    values.cert && values.key
      ? { cert: await readFile(values.cert, 'utf8'), key: await readFile(values.key, 'utf8') }
      : null;
  return { host: values.host!, tls, control: values.control! };
}

export function announce(args: ServerArgs, port: number): void {
  console.log(`listening host=${args.host} port=${port} tls=${args.tls ? 1 : 0}`);
}

function collector(): (() => void) | null {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === 'function' ? gc : null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Stops on SIGTERM/SIGINT (and, with --control, at the end of stdin): `stop` closes the server, then
 * the process exits 0 (or 1 if `stop` fails; it is given 3 s). Answers `gc` lines on stdin.
 */
export function controlled(args: ServerArgs, stop: () => Promise<void> | void): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(0), 3000);
    Promise.resolve()
      .then(stop)
      .then(
        () => {
          clearTimeout(timer);
          process.exit(0);
        },
        (error: Error) => {
          console.error(`stop: ${error.message}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  if (!args.control) return;
  const gc = collector();
  stdinLines((line) => {
    if (line !== 'gc') return;
    if (!gc) {
      console.log('gc unavailable');
      return;
    }
    // Full collections, with turns of the event loop between them so that finalizers and closes run.
    void (async () => {
      for (let i = 0; i < 4; i++) {
        gc();
        await sleep(50);
      }
      console.log('gc done');
    })();
  }, shutdown);
}

/** Calls `onLine` with each line of stdin (trimmed), and `onEnd` once stdin has ended. */
export function stdinLines(onLine: (line: string) => void, onEnd: () => void): void {
  createInterface({ input: process.stdin })
    .on('line', (line) => onLine(line.trim()))
    .on('close', onEnd);
}
