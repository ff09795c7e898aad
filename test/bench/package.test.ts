// What the benchmark measures of wasm-ws: the built package (bench/package.ts), rebuilt when a source
// is newer than it, and loaded from dist/ rather than from the TypeScript sources.
import assert from 'node:assert/strict';
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ensureFreshPackage, loadPackage } from '../../bench/package.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = join(root, 'dist/runtimes/node.js');

test('a dist/ older than a source is rebuilt; a fresh one is left alone', () => {
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(entry, past, past);
  ensureFreshPackage();
  const rebuilt = statSync(entry).mtimeMs;
  assert.ok(rebuilt > past.getTime() + 1000, 'the stale entry point was rebuilt');
  ensureFreshPackage();
  assert.equal(statSync(entry).mtimeMs, rebuilt, 'a fresh build is not rebuilt');
});

test('the package loaded is the built JavaScript, with the API users import', async () => {
  const mod = await loadPackage();
  assert.equal(typeof mod.connect, 'function');
  assert.equal(typeof mod.serve, 'function');
  assert.equal(typeof mod.WebSocket, 'function');
  const built = await import(entry);
  assert.equal(mod.WebSocket, built.WebSocket, "the class is dist/runtimes/node.js's");
  const sources = await import('../../runtimes/node.ts');
  assert.notEqual(mod.WebSocket, sources.WebSocket, 'not the TypeScript sources');
});
