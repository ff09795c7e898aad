// Builds dist/, what the npm package ships: JavaScript and .d.ts for every runtime's entry point.
//   1. tsc -p tsconfig.build.json: src/ and the Node and Bun entry points (type-checked).
//   2. tsc -p tsconfig.deno.json: the Deno entry point, emitted against Deno's own declarations
//      (`deno types`); `deno check` type-checks it (npm run typecheck). Only runtimes/deno.{js,d.ts}
//      are taken from that emit: src/ compiles to the same JavaScript for every runtime (a module only
//      deno.ts imports, such as runtimes/write-buffers.ts, is listed in tsconfig.build.json).
//   3. The .d.ts files import each other as `./x.ts` (tsc keeps the source specifiers in declarations):
//      they are rewritten to `./x.js`, which tsc and Deno both resolve to the `.d.ts` beside it, since
//      the package ships no .ts sources.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules/.bin');
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

rmSync(join(root, 'dist'), { recursive: true, force: true });
run(join(bin, 'tsc'), ['-p', 'tsconfig.build.json']);

// Deno's declarations, less the `/// <reference lib="deno.*" />` lines tsc does not know (the file
// holds those libraries already).
const denoTypes = execFileSync(join(bin, 'deno'), ['types'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
mkdirSync(join(root, 'build/out'), { recursive: true });
writeFileSync(
  join(root, 'build/out/deno-types.d.ts'),
  denoTypes.replace(/^\/\/\/ <reference lib="deno\.[^"]*" \/>\n/gm, ''),
);
rmSync(join(root, 'build/out/deno-dist'), { recursive: true, force: true });
run(join(bin, 'tsc'), ['-p', 'tsconfig.deno.json']);
for (const file of ['deno.js', 'deno.d.ts']) {
  copyFileSync(join(root, 'build/out/deno-dist/runtimes', file), join(root, 'dist/runtimes', file));
}

/** Every file under dir, recursively. */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

let rewritten = 0;
for (const file of walk(join(root, 'dist')).filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/(['"])(\.{1,2}\/[^'"\n]*?)\.ts\1/g, (_, quote, path) => `${quote}${path}.js${quote}`);
  if (next !== text) {
    writeFileSync(file, next);
    rewritten++;
  }
}
console.log(
  `build:ts: dist/ built (Node, Bun and Deno entry points; ${rewritten} declaration files' imports pointed at .js)`,
);
