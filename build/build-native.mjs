// Builds the C++ Boost.Beast reference (server/) with CMake into build/out/native.
// Missing toolchain or headers: says in one line what to install and exits 0, so that
// `npm install` still succeeds. Toolchain present but the build fails: exits non-zero.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = fileURLToPath(new URL('out/native', import.meta.url));
const INSTALL = 'apt-get install g++ cmake libboost-dev libssl-dev openssl';

const hasCommand = (cmd) => !spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error;
const hasHeader = (rel) => ['/usr/include', '/usr/local/include'].some((dir) => existsSync(`${dir}/${rel}`));

const missing = [
  hasCommand('cmake') ? null : 'cmake',
  hasCommand(process.env.CXX ?? 'g++') ? null : 'g++',
  hasCommand('openssl') ? null : 'openssl',
  hasHeader('boost/beast.hpp') ? null : 'Boost.Beast headers',
  hasHeader('openssl/ssl.h') ? null : 'OpenSSL headers',
].filter(Boolean);

if (missing.length > 0) {
  console.log(`build:native: skipped, missing ${missing.join(', ')}; install with: ${INSTALL}`);
  process.exit(0);
}

const run = (args) => {
  const result = spawnSync('cmake', args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build:native: cmake ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
};

// Configure once; later builds re-run configure themselves when CMakeLists.txt changes.
if (!existsSync(`${out}/CMakeCache.txt`)) run(['-S', root, '-B', out, '-DCMAKE_BUILD_TYPE=Release']);
run(['--build', out, '--parallel', '2']);
