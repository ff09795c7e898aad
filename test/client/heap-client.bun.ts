// The Bun side of test/client/heap.test.ts: 1000 connections from connect() to the echo server at
// --url, each having echoed one message; prints the JS heap per idle connection after full collections
// (JavaScriptCore's heapStats().heapSize, which counts objects only: no WebAssembly memory).
import { heapStats } from 'bun:jsc';
import { type Connection, connect } from '../../runtimes/bun.ts';
import { EchoedConnections } from '../support/echoed-connections.ts';

const url = process.argv[process.argv.indexOf('--url') + 1];
const n = 1000;
const connections = new EchoedConnections(connect, url);

function heapSize(): number {
  Bun.gc(true);
  Bun.gc(true);
  return heapStats().heapSize;
}

const warm: Connection[] = [];
for (let i = 0; i < 10; i++) warm.push(await connections.open());
await connections.closeAll(warm);
const before = heapSize();
const conns: Connection[] = [];
for (let i = 0; i < n; i++) conns.push(await connections.open());
console.log(`RESULT ${(heapSize() - before) / n}`);
await connections.closeAll(conns);
process.exit(0);
