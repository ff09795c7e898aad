// Builds the codec .wasm files (AssemblyScript, SIMD and scalar; the C backend where emcc is present),
// after generating the ABI files from build/abi-table.mjs,
// and embeds them into src/generated/wasm.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedWasm } from './embed-wasm.mjs';
import { buildC } from './build-c.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'build/out'), { recursive: true });

// The ABI's constants and types, from its one table, before anything that uses them is compiled.
execFileSync(process.execPath, [join(root, 'build/generate-abi.mjs')], { stdio: 'inherit' });

const asc = join(root, 'node_modules/assemblyscript/bin/asc.js');
for (const target of ['simd', 'scalar']) {
  execFileSync(process.execPath, [asc, '--config', 'asconfig.json', '--target', target], {
    cwd: root,
    stdio: 'inherit',
  });
}
buildC();
embedWasm();
console.log('build:wasm: AssemblyScript codec built (simd, scalar)');
