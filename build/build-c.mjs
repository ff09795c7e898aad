// Builds the C backend of the codec (csrc/) with Debian's Emscripten into build/out/codec-c-simd.wasm
// and build/out/codec-c-scalar.wasm: standalone modules with no JS glue, no libc and no imports,
// exporting the same functions as the AssemblyScript build (assembly/ABI.md).
// Missing emcc: says so in one line and returns, so that the rest of the project still builds.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build/out');
const EMCC = process.env.EMCC ?? 'emcc';

const COMMON = [
  '-std=c11',
  '-Wall',
  '-Wextra',
  '-O3',
  '-flto',
  '-mbulk-memory', // bulk memory: memmove becomes memory.copy, as in the AS build
  '-nostdlib', // no libc, no malloc: regions.c grows memory itself
  '-sSTANDALONE_WASM', // no JS glue
  // Not emcc's `--no-entry`: with STANDALONE_WASM that asks the linker for the `_initialize` of
  // libc's reactor crt1, which -nostdlib leaves out. The linker's own flag means "no entry point".
  '-Wl,--no-entry',
  // emcc always asks for stackSave/stackRestore/stackAlloc (and __errno_location): with this they
  // are exported only if defined, and -nostdlib defines none. Anything else undefined would become
  // an import, which the check below refuses.
  '-sERROR_ON_UNDEFINED_SYMBOLS=0',
  '-sSUPPORT_ERRNO=0',
  '-sALLOW_MEMORY_GROWTH=1',
  '-sINITIAL_MEMORY=131072',
  '-sTOTAL_STACK=4096',
];

const VARIANTS = [
  {
    file: 'codec-c-simd.wasm',
    as: 'codec-as-simd.wasm',
    flags: ['-msimd128'],
    features: ['--enable-bulk-memory', '--enable-simd'],
  },
  { file: 'codec-c-scalar.wasm', as: 'codec-as-scalar.wasm', flags: [], features: ['--enable-bulk-memory'] },
];

const hasCommand = (cmd, args = ['--version']) => !spawnSync(cmd, args, { stdio: 'ignore' }).error;

// Debian's emscripten ships a prebuilt, frozen cache (FROZEN_CACHE = True): it only reads it, so it
// needs no write access. Any other install that would write to a cache it cannot write to builds
// its cache inside the project instead (gitignored with build/out/).
function emEnv() {
  const env = { ...process.env };
  if (env.EM_CACHE) return env;
  const config = (key) => spawnSync('em-config', [key], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const cache = config('CACHE');
  if (config('FROZEN_CACHE') === 'True' || !cache) return env;
  try {
    accessSync(cache, constants.W_OK);
  } catch {
    env.EM_CACHE = join(out, 'emcache');
  }
  return env;
}

// emcc always links an (empty) exported function table; the codec uses none. Drops its export so
// that the exports are exactly the ABI's (wasm-opt then removes the unused table itself).
function dropExport(bytes, name) {
  const readU32 = (at) => {
    let value = 0,
      shift = 0,
      b;
    do {
      b = bytes[at.pos++];
      value |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return value >>> 0;
  };
  const u32 = (value) => {
    const res = [];
    do {
      let b = value & 0x7f;
      value >>>= 7;
      if (value) b |= 0x80;
      res.push(b);
    } while (value);
    return res;
  };
  const parts = [bytes.subarray(0, 8)];
  const at = { pos: 8 };
  while (at.pos < bytes.length) {
    const start = at.pos;
    const id = bytes[at.pos++];
    const size = readU32(at);
    const body = at.pos;
    at.pos += size;
    if (id !== 7) {
      parts.push(bytes.subarray(start, at.pos));
      continue;
    }
    const p = { pos: body };
    const count = readU32(p);
    const kept = [];
    for (let i = 0; i < count; i++) {
      const entry = p.pos;
      const len = readU32(p);
      const entryName = new TextDecoder().decode(bytes.subarray(p.pos, p.pos + len));
      p.pos += len + 1; // name, kind
      readU32(p); // index
      if (entryName !== name) kept.push(bytes.subarray(entry, p.pos));
    }
    const content = Buffer.concat([Buffer.from(u32(kept.length)), ...kept]);
    parts.push(Buffer.from([7, ...u32(content.length)]), content);
  }
  return Buffer.concat(parts);
}

// The checks `wasm-objdump -x` would show: no imports, and the same exports as the AssemblyScript
// build of the same flavour (when it is there: build-wasm.mjs builds it first).
function check(file, asFile) {
  const module = new WebAssembly.Module(readFileSync(file));
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) {
    throw new Error(`${file}: imports ${imports.map((i) => `${i.module}.${i.name}`).join(', ')}; must import nothing`);
  }
  if (!existsSync(asFile)) return;
  const names = (m) =>
    WebAssembly.Module.exports(m)
      .map((e) => `${e.kind} ${e.name}`)
      .sort()
      .join(', ');
  const want = names(new WebAssembly.Module(readFileSync(asFile)));
  if (names(module) !== want)
    throw new Error(`${file}: exports ${names(module)}; the AssemblyScript build exports ${want}`);
}

/** Builds both C variants; returns false (after one line saying why) when emcc is not installed. */
export function buildC() {
  if (!hasCommand(EMCC)) {
    console.log(
      "build:wasm: C backend skipped, emcc not found; install Debian's emscripten package (apt-get install emscripten)",
    );
    return false;
  }
  mkdirSync(out, { recursive: true });
  const env = emEnv();
  const sources = readdirSync(join(root, 'csrc'))
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => join('csrc', f));
  const wasmOpt = hasCommand('wasm-opt');
  for (const { file, as, flags, features } of VARIANTS) {
    const target = join(out, file);
    const tmp = target.replace(/\.wasm$/, '.tmp.wasm'); // emcc picks its output kind from the suffix
    const res = spawnSync(EMCC, [...COMMON, ...flags, ...sources, '-o', tmp], { cwd: root, env, stdio: 'inherit' });
    if (res.status !== 0) throw new Error(`build:wasm: emcc failed building ${file}`);
    writeFileSync(tmp, dropExport(readFileSync(tmp), '__indirect_function_table'));
    if (wasmOpt) {
      const opt = spawnSync(
        'wasm-opt',
        [tmp, '-o', tmp, '--mvp-features', ...features, '--remove-unused-module-elements'],
        {
          stdio: 'inherit',
        },
      );
      if (opt.status !== 0) throw new Error(`build:wasm: wasm-opt failed on ${file}`);
    }
    check(tmp, join(out, as));
    renameSync(tmp, target);
  }
  console.log('build:wasm: C codec built (simd, scalar)');
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (buildC()) (await import('./embed-wasm.mjs')).embedWasm();
}
