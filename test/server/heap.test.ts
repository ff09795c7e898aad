// What an idle server connection keeps on Node's JS heap: 1000 connections from another process (the
// server benchmark's raw-socket driver), heap used after full collections before and after. Node's own
// socket objects are ~1.5 KB of it (the benchmark's floor server holds that much); with ours, 2.9 KB in
// all here (the sources through tsx), down from 3.1 KB when the request's headers were a null-prototype
// object (V8 keeps one as a dictionary) and 3.3 KB when each socket had its own listener closures and the
// handshake its WebCrypto promise chain. The bound catches half a kilobyte more
// kept per connection (an object graph, a buffer on the heap), not noise: heap used after GC moves by tens
// of bytes. The server benchmark measures RSS.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { heapUsed } from '../support/heap.ts';
import { serve } from '../../runtimes/node.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const N = 1000;
const BOUND = 3.5 * 1024;

test(`an idle server connection keeps under ${BOUND} bytes of JS heap (${N} connections)`, async () => {
  const server = await serve(
    { host: '127.0.0.1', port: 0 },
    {
      onMessage(conn, data, isText) {
        conn.send(data, isText);
      },
    },
  );
  let driver: ChildProcess | undefined;
  try {
    driver = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/servers/connections-driver.ts', '--url', `${server.url}/`, '--connections', String(N)],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: driver.stdout! })[Symbol.asyncIterator]();
    const waitFor = async (prefix: string) => {
      for (;;) {
        const { value, done } = await lines.next();
        assert.ok(!done, `the driver ended before "${prefix}"`);
        if ((value as string).startsWith(prefix)) return;
      }
    };
    await waitFor('ready'); // ten connections opened, echoed and closed: the code paths are warm
    await sleep(200);
    const before = heapUsed();
    driver.stdin!.write('open\n');
    await waitFor('opened');
    await sleep(200);
    assert.equal(server.clients.size, N);
    const perConnection = (heapUsed() - before) / N;
    console.log(`${Math.round(perConnection)} bytes of JS heap per idle server connection`);
    assert.ok(perConnection > 0 && perConnection < BOUND, `${Math.round(perConnection)} bytes per connection`);
  } finally {
    driver?.kill();
    await server.close();
  }
});
