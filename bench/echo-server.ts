// The server every client talks to: the Beast echo server when it is built, else an embedded
// fallback (ws on Node) that every output names.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beastBinaries, startBeastServer } from '../server/beast.ts';

export interface EchoServer {
  /** What served: shown in every output. */
  name: string;
  url: string;
  tlsUrl: string | null;
  /** PEM file clients trust for wss. */
  ca: string | null;
  stop(): Promise<void>;
}

/** `deflate`: the server accepts permessage-deflate and compresses what it echoes. */
export async function startEchoServer(external: string | null, deflate = false): Promise<EchoServer> {
  if (external) {
    const secure = external.startsWith('wss:');
    return {
      name: `external server ${external}`,
      url: external,
      tlsUrl: secure ? external : null,
      ca: null,
      stop: async () => {},
    };
  }
  const binaries = beastBinaries();
  if (binaries) {
    const server = await startBeastServer({ host: '127.0.0.1', deflate });
    return {
      name: `Boost.Beast echo server (C++)${deflate ? ' with permessage-deflate' : ''}`,
      url: server.url,
      tlsUrl: server.tlsUrl,
      ca: binaries.cert,
      stop: () => server.stop(),
    };
  }
  return startFallback(deflate);
}

function startFallback(deflate: boolean): Promise<EchoServer> {
  const file = fileURLToPath(new URL('./fallback-server.ts', import.meta.url));
  const args = ['--import', 'tsx', file, ...(deflate ? ['--deflate'] : [])];
  const child = spawn('node', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fallback echo server exited with ${code}`)));
    child.stdout.once('data', (d: Buffer) => {
      const port = Number(/port=(\d+)/.exec(d.toString())?.[1]);
      resolve({
        name: 'FALLBACK: embedded ws echo server (Node) — the Beast binaries are not built (npm run build:native)',
        url: `ws://127.0.0.1:${port}/`,
        tlsUrl: null,
        ca: null,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
