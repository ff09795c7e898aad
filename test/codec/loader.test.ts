// The loader on Node (in process) and under Bun and Deno (child processes running loader-check.ts):
// every variant instantiates from the bytes built into the package and works the same.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ABI_VERSION } from '../../src/codec/abi.ts';
import { availableBackends, codecModule, instantiateCodec, simdSupported } from '../../src/codec/index.ts';
import { variants } from './helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'test/codec/loader-check.ts');
const maskedHelloBuilt = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

function checkReport(stdout: string): void {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const report = JSON.parse(line) as { simdSupported: boolean; backends: string[]; results: Record<string, unknown>[] };
  assert.deepEqual(report.backends, availableBackends());
  assert.equal(report.results.length, variants.length);
  // These runtimes all have WebAssembly SIMD: the SIMD builds must have been loaded, not skipped.
  assert.equal(report.simdSupported, true);
  for (const [i, v] of variants.entries()) {
    assert.deepEqual(report.results[i], {
      backend: v.backend,
      simd: v.simd,
      event: 1,
      fin: true,
      text: 'Hello',
      // biome-ignore lint/suspicious/noThenProperty: loader-check.ts's result record, never awaited.
      then: 0,
      built: maskedHelloBuilt,
    });
  }
}

describe('loader', () => {
  test(`node, in process: every variant compiles once and speaks ABI version ${ABI_VERSION}`, () => {
    assert.equal(simdSupported, true);
    for (const v of variants) {
      assert.equal(codecModule(v.backend, v.simd), codecModule(v.backend, v.simd), 'compiled once');
      const a = instantiateCodec(v.backend, v.simd);
      const b = instantiateCodec(v.backend, v.simd);
      assert.equal(a.abi_version(), ABI_VERSION);
      assert.notEqual(a.memory, b.memory, 'each instance has its own memory');
      assert.deepEqual(WebAssembly.Module.imports(codecModule(v.backend, v.simd)), [], 'the module imports nothing');
    }
  });

  test('node: loader-check.ts', async () => {
    checkReport(await run(process.execPath, ['--import', 'tsx', script]));
  });

  const bun = join(root, 'node_modules/.bin/bun');
  test('bun: loader-check.ts', { skip: !existsSync(bun) && 'bun is not installed' }, async () => {
    checkReport(await run(bun, [script]));
  });

  const deno = join(root, 'node_modules/.bin/deno');
  test('deno: loader-check.ts', { skip: !existsSync(deno) && 'deno is not installed' }, async () => {
    checkReport(await run(deno, ['run', '--allow-read', '--no-prompt', script]));
  });
});
