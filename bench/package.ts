// What the benchmark measures of wasm-ws: the package as npm installs it, dist/runtimes/<runtime>.js, on
// every runtime. On Node the sources would run through tsx, whose transform (esbuild's keepNames) gives
// every named closure a defineProperty when it is made: a per-connection cost (a dictionary-mode
// function, ~260 B, per class-field arrow) that the published JavaScript does not have.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as NodeEntry from '../runtimes/node.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runtime = 'Bun' in globalThis ? 'bun' : 'Deno' in globalThis ? 'deno' : 'node';

/** This runtime's entry point of the built package (each runtime loads only its own). */
export function loadPackage(): Promise<typeof NodeEntry> {
  return import(join(root, `dist/runtimes/${runtime}.js`));
}

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts'))
      t = Math.max(t, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return t;
}

/** Rebuilds dist/ (npm run build:ts) when a source is newer than it, so that no run measures old code. */
export function ensureFreshPackage(): void {
  let built = 0;
  try {
    built = Math.min(...['node', 'bun', 'deno'].map((r) => statSync(join(root, `dist/runtimes/${r}.js`)).mtimeMs));
  } catch {
    // not built yet
  }
  if (built > Math.max(newest(join(root, 'src')), newest(join(root, 'runtimes')))) return;
  console.log('dist/ is older than the sources: rebuilding it (npm run build:ts)');
  execFileSync('node', [join(root, 'build/build-ts.mjs')], { cwd: root, stdio: 'inherit' });
}
