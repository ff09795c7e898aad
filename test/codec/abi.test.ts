// The ABI is written once (build/abi-table.mjs): the files generated from it are current, and both
// backends export exactly the functions it lists, with its events, slots and error kinds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as table from '../../build/abi-table.mjs';
import { ABI_VERSION, Event, Slot, errorKinds } from '../../src/codec/abi.ts';
import { codecModule } from '../../src/codec/loader.ts';
import { availableBackends } from '../../src/codec/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('assembly/abi.ts, csrc/abi.h, src/codec/abi.ts and ABI.md are generated from the table as it is', () => {
  // Exits 1, naming the stale file, when one differs from what the table gives.
  execFileSync(process.execPath, ['build/generate-abi.mjs', '--check'], { cwd: root, stdio: 'pipe' });
});

test('the TypeScript side carries the table', () => {
  assert.equal(ABI_VERSION, table.version);
  for (const [, value, name] of table.events) assert.equal(Event[name as keyof typeof Event], value);
  for (const [, slot, name] of table.slots) assert.equal(Slot[name as keyof typeof Slot], slot);
  assert.deepEqual(
    errorKinds.slice(1),
    table.errors.map(([name]) => name),
  );
});

for (const backend of availableBackends()) {
  test(`${backend}: the module exports the table's functions and its memory, nothing else`, () => {
    const exports = WebAssembly.Module.exports(codecModule(backend) as WebAssembly.Module);
    const functions = exports
      .filter((e) => e.kind === 'function')
      .map((e) => e.name)
      .sort();
    assert.deepEqual(functions, table.functions.map(([name]) => name).sort());
    assert.deepEqual(
      exports.filter((e) => e.kind !== 'function').map((e) => `${e.kind} ${e.name}`),
      ['memory memory'],
    );
  });
}
