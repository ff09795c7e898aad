// The server under test as a child process on each runtime (serve-node.ts, serve.bun.ts, serve.deno.ts),
// and what the server tests ask of it from outside: its counters (/stats) and one echo.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import WS from 'ws';
import { connect } from '../../runtimes/node.ts';
import { KEY_PASSPHRASE, type TestCertificates } from '../support/certificates.ts';
import { sleep } from '../support/assertions.ts';
import { ROOT, runtimeCommands } from '../support/runtimes.ts';
import type { Ports, Stats } from './test-server.ts';

export const runtimes = runtimeCommands({
  node: 'test/server/serve-node.ts',
  bun: 'test/server/serve.bun.ts',
  deno: 'test/server/serve.deno.ts',
});

/** The server process: started, its ports read from its first line; stop() ends its stdin. */
export class ServerProcess {
  private child!: ChildProcessWithoutNullStreams;
  ports!: Ports;
  stdout = '';
  stderr = '';
  exited!: Promise<number | null>;

  async start(command: string, args: string[], certs: TestCertificates): Promise<void> {
    this.child = spawn(command, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        WSTEST_SERVER: JSON.stringify({ cert: certs.cert, key: certs.keyEncrypted, passphrase: KEY_PASSPHRASE }),
        NO_COLOR: '1',
      },
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.ports = await new Promise<Ports>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ports within 20 s: ${this.stderr}`)), 20_000);
      this.child.stdout.on('data', (d: string) => {
        this.stdout += d;
        const line = this.stdout.split('\n').find((l) => l.startsWith('{"ports"'));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { ports: Ports }).ports);
        }
      });
      this.child.once('exit', (code) => reject(new Error(`exited with ${code} before listening: ${this.stderr}`)));
    });
  }

  /** Ends stdin (a graceful stop) and waits for the exit, killing it after `ms`. */
  async stop(ms = 10_000): Promise<{ code: number | null; stopped: boolean }> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, stopped: this.stdout.includes('{"stopped":true}') };
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }
}

/** The server's counters, read through its /stats route. */
export async function stats(port: number): Promise<Stats> {
  const ws = new WS(`ws://127.0.0.1:${port}/stats`);
  const data = await new Promise<string>((resolve, reject) => {
    ws.once('message', (d) => resolve(d.toString()));
    ws.once('error', reject);
  });
  ws.close();
  return JSON.parse(data) as Stats;
}

/** Reads /stats until `done` holds (or `ms` passes): counters settle as sockets finish closing. */
export async function statsWhen(port: number, done: (s: Stats) => boolean, ms = 3000): Promise<Stats> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await stats(port);
    if (done(s) || Date.now() > deadline) return s;
    await sleep(50);
  }
}

/** One echo through our client (over TLS with `ca`): proves the server still serves others. */
export async function echoOnce(port: number, ca?: string): Promise<void> {
  const text = 'still here';
  let got = '';
  const url = ca ? `wss://localhost:${port}/echo` : `ws://127.0.0.1:${port}/echo`;
  const conn = await connect(
    url,
    {
      onMessage(data) {
        got = new TextDecoder().decode(data);
      },
    },
    { ca },
  );
  conn.sendText(text);
  const deadline = Date.now() + 3000;
  while (got === '' && Date.now() < deadline) await sleep(10);
  conn.close(1000);
  assert.equal(got, text, 'the echo came back');
}
