// The package as a user gets it: another project that depends on wasm-ws by path imports it by name
// on Node, Bun and Deno, gets each runtime's entry point (package.json `exports` conditions), and echoes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'node_modules/.bin');
let dir = '';
let server: WebSocketServer;
let url = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wasm-ws-consumer-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true, dependencies: { 'wasm-ws': `file:${root}` } }));
  copyFileSync(fileURLToPath(new URL('./consumer-check.mjs', import.meta.url)), join(dir, 'check.mjs'));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, stdio: 'pipe' });
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
});

after(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const runtimes = [
  { name: 'node', command: 'node', args: ['check.mjs'], entry: 'dist/runtimes/node.js' },
  { name: 'bun', command: join(bin, 'bun'), args: ['check.mjs'], entry: 'dist/runtimes/bun.js' },
  { name: 'deno', command: join(bin, 'deno'), args: ['run', '-A', 'check.mjs'], entry: 'runtimes/deno.ts' },
];

for (const runtime of runtimes) {
  test(`a project depending on wasm-ws by path imports and uses it on ${runtime.name}`, async () => {
    const { execFile } = await import('node:child_process');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(runtime.command, [...runtime.args, url], { cwd: dir, timeout: 30_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.ok(result.resolved.endsWith(runtime.entry), `${runtime.name} resolved ${result.resolved}, expected …/${runtime.entry}`);
    assert.deepEqual(result.echoed, { text: 'hello from a dependent project', isText: true });
    assert.equal(result.webSocket, 'number');
  });
}
