// What an idle client connection keeps on Node's JS heap: 1000 connections from connect() to a ws echo
// server in another process, each having echoed one message, heap used after full collections before
// and after. Node's own socket objects are about half of it. 4.0 KB here through tsx (3.3 KB from
// dist/), down from 5.7 KB (3.9 KB) when the socket's listeners were closures over the whole connect
// scope, every connection made an abort closure whether or not it had a signal, and the response's
// headers were a null-prototype object, which V8 keeps as a dictionary. The bound catches half a
// kilobyte more kept per connection (an object graph, a buffer on the heap), not noise: heap used after
// GC moves by tens of bytes. `node bench --connections` measures RSS.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { heapUsed } from '../support/heap.ts';
import { type Connection, connect } from '../../runtimes/node.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const N = 1000;
const BOUND = 4.5 * 1024;

// The echo server, in a process of its own so that its memory is not counted.
const SERVER = `
import { WebSocketServer } from 'ws';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => console.log('port ' + wss.address().port));
wss.on('connection', (s) => s.on('message', (data, isBinary) => s.send(data, { binary: isBinary })));
`;

// One listener for every connection (a closure per connection would be counted as theirs).
let echoed: (() => void) | null = null;
let closes = 0;
const listener = {
  onMessage: () => echoed?.(),
  onClose: () => {
    closes++;
  },
};

/** Opens a connection that has echoed one message. */
async function echoedConnection(url: string): Promise<Connection> {
  const conn = await connect(url, listener);
  const echo = new Promise<void>((resolve) => {
    echoed = resolve;
  });
  conn.send(new Uint8Array(64));
  await echo;
  return conn;
}

/** Closes them all, and waits until each has reported its close. */
async function closeAll(conns: Connection[]): Promise<void> {
  const until = closes + conns.length;
  for (const conn of conns) conn.close(1000);
  while (closes < until) await sleep(10);
}

test(`an idle client connection keeps under ${BOUND} bytes of JS heap (${N} connections)`, async () => {
  let server: ChildProcess | undefined;
  const conns: Connection[] = [];
  try {
    server = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
    const { value } = await lines.next();
    const port = Number(/^port (\d+)$/.exec(value as string)?.[1]);
    assert.ok(port > 0, `the echo server said ${JSON.stringify(value)}`);
    const url = `ws://127.0.0.1:${port}/`;
    // Ten first, opened, echoed and closed: the code paths are warm.
    const warm: Connection[] = [];
    for (let i = 0; i < 10; i++) warm.push(await echoedConnection(url));
    await closeAll(warm);
    const before = heapUsed();
    for (let i = 0; i < N; i++) conns.push(await echoedConnection(url));
    const perConnection = (heapUsed() - before) / N;
    console.log(`${Math.round(perConnection)} bytes of JS heap per idle client connection`);
    assert.ok(perConnection > 0 && perConnection < BOUND, `${Math.round(perConnection)} bytes per connection`);
  } finally {
    await closeAll(conns);
    server?.kill();
  }
});
