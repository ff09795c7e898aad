// The client on all three runtimes, against real servers on loopback. This parent process makes a test
// CA and certificate (openssl), starts the scripted server and the Beast echo server,
// runs test/client/run-*.ts under Node, Bun and Deno, and turns each scenario's JSON line into a
// subtest, so a failure names its runtime and scenario. A runner that exits non-zero or hangs (a
// leaked socket or timer keeps it alive) fails. Everything started here is stopped in after().
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { beastBinaries, startBeastServer, type BeastServer } from '../../server/beast.ts';
import { type DeflateServer, startDeflateServer } from './deflate-server.ts';
import { type MtlsServer, startMtlsServer } from './mtls-server.ts';
import { BLOCKED_HOST, PROXY_PASSWORD, PROXY_USER, type ProxyServers, startProxyServers } from './proxy-servers.ts';
import type { SuiteConfig } from './run-suite.ts';
import { runProcess } from '../../bench/run-process.ts';
import { startScriptedServer, type ScriptedServer } from './scripted-server.ts';
import { makeCertificates } from '../support/certificates.ts';
import { ROOT, runtimeCommands } from '../support/runtimes.ts';

/** A runner that has not exited this long after it started has hung. */
const RUNNER_TIMEOUT = 90_000;

interface Runner {
  name: string;
  command: string;
  args: string[];
  config?: Partial<SuiteConfig>;
}

const runners: Runner[] = runtimeCommands({
  node: 'test/client/run-node.ts',
  bun: 'test/client/run.bun.ts',
  deno: 'test/client/run.deno.ts',
});

interface Line {
  name: string;
  ok: boolean;
  error: string | null;
  ms: number;
}

/** A port that refuses connections: bound, then released. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs one runner to its natural exit; kills it on a hang. */
async function runRunner(
  runner: Runner,
  config: SuiteConfig,
): Promise<{
  lines: Line[];
  code: number | null;
  signal: string | null;
  hung: boolean;
  stderr: string;
  stray: string;
}> {
  const run = await runProcess(runner.command, runner.args, {
    cwd: ROOT,
    env: { WSTEST_CONFIG: JSON.stringify({ ...config, ...runner.config }), NO_COLOR: '1' },
    timeoutMs: RUNNER_TIMEOUT,
  });
  const lines: Line[] = [];
  let stray = '';
  for (const line of run.stdout.split('\n')) {
    try {
      const parsed = JSON.parse(line) as Line;
      if (typeof parsed.name === 'string' && typeof parsed.ok === 'boolean') {
        lines.push(parsed);
        continue;
      }
    } catch {
      // not a result line
    }
    if (line !== '') stray += `${line}\n`;
  }
  return { lines, code: run.code, signal: run.signal, hung: run.hung, stderr: run.stderr, stray };
}

describe('clients on Node, Bun and Deno against real servers', () => {
  let scripted: ScriptedServer | undefined;
  let beast: BeastServer | undefined;
  let deflate: DeflateServer | undefined;
  let mtls: MtlsServer | undefined;
  let proxies: ProxyServers | undefined;
  let config: SuiteConfig;

  before(async () => {
    const bins = beastBinaries();
    assert.ok(
      bins,
      'The Beast echo server is not built: run `npm run build:native` (node build/build-native.mjs) first',
    );
    const certs = makeCertificates();
    scripted = await startScriptedServer();
    beast = await startBeastServer();
    deflate = await startDeflateServer();
    mtls = await startMtlsServer(certs);
    proxies = await startProxyServers();
    const { httpProxy, socksProxy, hangingProxy, statsUrl } = proxies;
    config = {
      mtlsUrl: mtls.url,
      scriptedUrl: scripted.url,
      deflateUrl: deflate.url,
      refusedUrl: `ws://127.0.0.1:${await refusedPort()}/`,
      proxies: {
        httpProxy,
        socksProxy,
        hangingProxy,
        statsUrl,
        user: PROXY_USER,
        password: PROXY_PASSWORD,
        blockedHost: BLOCKED_HOST,
      },
      beastUrl: beast.url,
      beastTlsUrl: beast.tlsUrl,
      beastCa: readFileSync(bins.cert, 'utf8'),
      ...certs,
    };
  });

  after(async () => {
    await Promise.allSettled([scripted?.stop(), beast?.stop(), deflate?.stop(), mtls?.stop(), proxies?.stop()]);
  });

  // WSTEST_RUNTIMES=node,bun picks runners by name (all by default); WSTEST_ONLY=prefix,… picks scenarios.
  const picked = process.env.WSTEST_RUNTIMES?.split(',');
  const only = process.env.WSTEST_ONLY?.split(',');
  for (const runner of runners.filter((r) => !picked || picked.some((p) => r.name.startsWith(p)))) {
    test(runner.name, { timeout: RUNNER_TIMEOUT + 10_000 }, async (t) => {
      const result = await runRunner(
        runner,
        only ? { ...config, only: [...(runner.config?.only ?? []), ...only] } : config,
      );
      for (const line of result.lines) {
        await t.test(line.name, () => {
          if (!line.ok) assert.fail(line.error ?? 'failed');
        });
      }
      const tail = `\nstderr: ${result.stderr.trim()}\nstdout (not results): ${result.stray.trim()}`;
      assert.ok(result.lines.length > 0, `${runner.name} reported no scenarios${tail}`);
      assert.equal(
        result.hung,
        false,
        `${runner.name} did not exit within ${RUNNER_TIMEOUT} ms: a socket or timer was left open${tail}`,
      );
      assert.equal(result.code, 0, `${runner.name} exited with code ${result.code} (signal ${result.signal})${tail}`);
    });
  }
});
