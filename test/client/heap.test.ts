// What an idle client connection keeps on the JS heap: 1000 connections from connect() to a ws echo
// server in another process, each having echoed one message, heap used after full collections before
// and after, on Node (in this process) and on Bun (heap-client.bun.ts, in a child). The bounds catch
// half a kilobyte more kept per connection (an object graph, a buffer on the heap), not noise: heap
// used after GC moves by tens of bytes. `node bench --connections` measures RSS.
//  - Node: 4.0 KB here through tsx (3.3 KB from dist/), about half of it Node's own socket objects;
//    5.7 KB (3.9 KB) when the socket's listeners were closures over the whole connect scope, every
//    connection made an abort closure whether or not it had a signal, and the response's headers were
//    a null-prototype object, which V8 keeps as a dictionary.
//  - Bun: 3.1 KB (JavaScriptCore's heapSize); 4.2 KB when each socket had its own eight handler
//    closures over the connect scope, which Bun keeps for the socket's life.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { EchoedConnections } from '../support/echoed-connections.ts';
import { heapUsed } from '../support/heap.ts';
import { type Connection, connect } from '../../runtimes/node.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const N = 1000;
const NODE_BOUND = 4.5 * 1024;
const BUN_BOUND = 3.5 * 1024;

// The echo server, in a process of its own so that its memory is not counted.
const SERVER = `
import { WebSocketServer } from 'ws';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => console.log('port ' + wss.address().port));
wss.on('connection', (s) => s.on('message', (data, isBinary) => s.send(data, { binary: isBinary })));
`;

/** Runs `body` with the echo server's URL; the server is stopped after, whatever happens. */
async function withEchoServer(body: (url: string) => Promise<void>): Promise<void> {
  const server: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
    const { value } = await lines.next();
    const port = Number(/^port (\d+)$/.exec(value as string)?.[1]);
    assert.ok(port > 0, `the echo server said ${JSON.stringify(value)}`);
    await body(`ws://127.0.0.1:${port}/`);
  } finally {
    server.kill();
  }
}

test(`Node: an idle client connection keeps under ${NODE_BOUND} bytes of JS heap (${N} connections)`, () =>
  withEchoServer(async (url) => {
    const connections = new EchoedConnections(connect, url);
    const conns: Connection[] = [];
    try {
      // Ten first, opened, echoed and closed: the code paths are warm.
      const warm: Connection[] = [];
      for (let i = 0; i < 10; i++) warm.push(await connections.open());
      await connections.closeAll(warm);
      const before = heapUsed();
      for (let i = 0; i < N; i++) conns.push(await connections.open());
      const perConnection = (heapUsed() - before) / N;
      console.log(`${Math.round(perConnection)} bytes of JS heap per idle client connection on Node`);
      assert.ok(perConnection > 0 && perConnection < NODE_BOUND, `${Math.round(perConnection)} bytes per connection`);
    } finally {
      await connections.closeAll(conns);
    }
  }));

test(`Bun: an idle client connection keeps under ${BUN_BOUND} bytes of JS heap (${N} connections)`, () =>
  withEchoServer(async (url) => {
    const child = spawn(join(root, 'node_modules/.bin/bun'), ['test/client/heap-client.bun.ts', '--url', url], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, `heap-client.bun.ts exited with ${code}: ${out}`);
    const perConnection = Number(/RESULT (\S+)/.exec(out)?.[1]);
    console.log(`${Math.round(perConnection)} bytes of JS heap per idle client connection on Bun`);
    assert.ok(perConnection > 0 && perConnection < BUN_BOUND, `${Math.round(perConnection)} bytes per connection`);
  }));
