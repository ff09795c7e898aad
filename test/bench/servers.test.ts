// The server benchmark (`node bench --servers`): its command line and server selection, the floor
// server's upgrade and frame handling, the process harness (a server that dies is a
// failure with its reason), every server echoing text as text and binary as binary without
// permessage-deflate, and a quick run of the whole mode, request/response and many connections, with
// --strict, ours (wasm-ws serve()) included on every runtime.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { beastBinaries } from '../../server/beast.ts';
import { parseOptions } from '../../bench/options.ts';
import { nearestRank } from '../../bench/median.ts';
import type { PerConnection } from '../../bench/report/per-connection.ts';
import { maskedFrame } from '../../bench/clients/floor.ts';
import { acceptKey, FloorConnection } from '../../bench/servers/floor.ts';
import { allServers, selectDrivers, selectServers } from '../../bench/servers/matrix.ts';
import { startServer } from '../../bench/servers/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const noRegister = () => () => {};

test('nearestRank: the value a fraction of the sample lies at or below', () => {
  assert.equal(nearestRank([5, 1, 4, 2, 3], 0.1), 1);
  assert.equal(nearestRank([5, 1, 4, 2, 3], 0.4), 2);
  assert.equal(nearestRank([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(nearestRank([5, 1, 4, 2, 3], 1), 5);
  assert.equal(nearestRank(Uint32Array.of(7, 0, 9, 3, 3, 8, 1, 6, 2, 5, 4), 0.1), 1);
  assert.ok(Number.isNaN(nearestRank([], 0.1)));
});

describe('--servers: options', () => {
  test('a list picks servers, a minus leaves one out, and no list means all', () => {
    assert.deepEqual(parseOptions(['--servers'])!.servers, { include: null, exclude: [] });
    assert.deepEqual(parseOptions(['--servers', 'ws,beast', '--quick'])!.servers, {
      include: ['ws', 'beast'],
      exclude: [],
    });
    assert.deepEqual(parseOptions(['--servers', '-ours', '--quick'])!.servers, { include: null, exclude: ['ours'] });
    assert.deepEqual(parseOptions(['--servers=-ours,-floor'])!.servers, { include: null, exclude: ['ours', 'floor'] });
    const quick = parseOptions(['--servers', '--quick', '--connections'])!;
    assert.deepEqual(quick.servers, { include: null, exclude: [] });
    assert.equal(quick.connections, 1000);
    assert.equal(quick.out, 'results/servers');
    assert.equal(parseOptions(['--quick'])!.servers, null);
  });

  test('what does not go with --servers is refused', () => {
    assert.throws(() => parseOptions(['--servers', '--deflate']), /deflate/);
    assert.throws(() => parseOptions(['--servers', '--server', 'ws://x/']), /--server URL/);
    assert.throws(() => parseOptions(['--servers', '--clients', 'ws']), /--drivers/);
    assert.throws(() => parseOptions(['--drivers', 'floor-bun']), /--servers/);
  });

  test('selection: ours can be named or left out; native is each runtime’s own server', () => {
    const ids = (s: { server: string; runtime: string }[]) => s.map((x) => `${x.server}/${x.runtime}`).sort();
    assert.ok(allServers().some((s) => s.server === 'ours'));
    assert.ok(!selectServers({ include: null, exclude: ['ours'] }, null).some((s) => s.server === 'ours'));
    assert.ok(selectServers({ include: ['ours'], exclude: [] }, null).every((s) => s.server === 'ours'));
    const native = ids(selectServers({ include: ['native'], exclude: [] }, ['node', 'bun', 'deno']));
    assert.deepEqual(native, ['bun-serve/bun', 'deno-serve/deno', 'ws/node']);
    assert.throws(() => selectServers({ include: ['nginx'], exclude: [] }, null), /unknown server/);
    assert.throws(() => selectDrivers(['curl'], 'binary'), /unknown driver/);
    // Beast's client sends binary only: a text payload leaves the floor driver.
    assert.deepEqual(
      selectDrivers(null, 'text').map((d) => d.driver),
      ['floor-bun'],
    );
  });
});

describe('--servers: the floor server', () => {
  test('Sec-WebSocket-Accept as RFC 6455 §1.3 computes it', () => {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  /** Feeds `bytes` to a floor connection in chunks of `step`; what it wrote, and whether it ended. */
  function feed(bytes: Uint8Array, step: number): { out: Buffer; ended: boolean } {
    const written: Uint8Array[] = [];
    let ended = false;
    const conn = new FloorConnection(
      (b) => written.push(b),
      () => (ended = true),
    );
    for (let at = 0; at < bytes.length; at += step) conn.push(bytes, at, Math.min(at + step, bytes.length));
    return { out: Buffer.concat(written), ended };
  }

  const request = Buffer.from(
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );

  test('a 101, then a pre-built frame of each size and type per masked frame, in any chunking', () => {
    const binary = maskedFrame(new Uint8Array(70000).fill(7));
    const text = maskedFrame('héllo');
    const input = Buffer.concat([request, binary, text, maskedFrame(new Uint8Array(200))]);
    for (const step of [1, 3, 1000, input.length]) {
      const { out, ended } = feed(input, step);
      assert.equal(ended, false);
      const head = out.subarray(0, out.indexOf('\r\n\r\n') + 4).toString('latin1');
      assert.match(head, /^HTTP\/1\.1 101 /);
      assert.match(head, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
      let at = head.length;
      const frames: [number, number][] = [];
      while (at < out.length) {
        const l7 = out[at + 1];
        assert.equal(l7 & 0x80, 0, 'a server frame is not masked');
        const [length, header] =
          l7 < 126 ? [l7, 2] : l7 === 126 ? [out.readUInt16BE(at + 2), 4] : [Number(out.readBigUInt64BE(at + 2)), 10];
        frames.push([out[at], length]);
        at += header + length;
      }
      assert.equal(at, out.length);
      assert.deepEqual(frames, [
        [0x82, 70000],
        [0x81, 6],
        [0x82, 200],
      ]);
    }
  });

  test('a close is answered and ends the connection; an unmasked frame ends it; a bad request gets a 400', () => {
    const close = Buffer.from([0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2]);
    const closed = feed(Buffer.concat([request, close, maskedFrame(new Uint8Array(3))]), 5);
    assert.equal(closed.ended, true);
    assert.deepEqual([...closed.out.subarray(-4)], [0x88, 0x02, 0x03, 0xe8]);
    assert.equal(feed(Buffer.concat([request, Buffer.from([0x82, 0x01, 0x00])]), 64).ended, true);
    const bad = feed(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 64);
    assert.equal(bad.ended, true);
    assert.match(bad.out.toString('latin1'), /^HTTP\/1\.1 400 /);
  });
});

describe('--servers: the process harness', () => {
  const script = (code: string) => ({ command: process.execPath, args: ['-e', code] });

  test('a server that dies before listening is a failure with its error', async () => {
    const outcome = await startServer(script("throw new Error('no such API')"), false, true, noRegister);
    assert.equal(outcome.ok, false);
    assert.match(!outcome.ok ? outcome.reason : '', /exited before listening \(exit 1: .*no such API/);
  });
});

describe('--servers: every server echoes binary as binary and text as text, no permessage-deflate', () => {
  const tls = beastBinaries();
  for (const spec of allServers()) {
    for (const secure of tls ? [false, true] : [false]) {
      test(`${spec.label} on ${spec.runtime}${secure ? ' (TLS)' : ''}`, { timeout: 30_000 }, async () => {
        const started = await startServer(
          spec.command({ host: '127.0.0.1', tls: secure ? { cert: tls!.cert, key: tls!.key } : null }),
          secure,
          spec.controlled,
          noRegister,
        );
        assert.ok(started.ok, !started.ok ? started.reason : '');
        const server = started.server;
        try {
          // ws offers permessage-deflate by default: every server must decline it.
          const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://127.0.0.1:${server.port}/`, {
            ca: secure ? readFileSync(tls!.cert) : undefined,
          });
          await once(ws, 'open');
          assert.equal(ws.extensions, '');
          const echo = async (data: string | Buffer) => {
            ws.send(data, { binary: typeof data !== 'string' });
            const [reply, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
            return { reply, isBinary };
          };
          const binary = await echo(Buffer.alloc(1000, 5));
          assert.equal(binary.isBinary, true);
          assert.equal(binary.reply.length, 1000);
          const text = await echo('echo ✓');
          assert.equal(text.isBinary, false);
          assert.equal(text.reply.length, Buffer.byteLength('echo ✓'));
          if (spec.server !== 'floor') {
            // The floor answers with pre-built frames of the same size; the others echo the bytes.
            assert.deepEqual(binary.reply, Buffer.alloc(1000, 5));
            assert.equal(text.reply.toString(), 'echo ✓');
          }
          ws.close();
          await once(ws, 'close');
          if (spec.controlled) {
            assert.equal(await server.gc(), true, 'a JS server collects garbage on `gc`');
            assert.ok((server.rss() ?? 1) > 0);
          }
        } finally {
          assert.equal(await server.stop(), null, 'it exits 0 on SIGTERM');
        }
      });
    }
  }
});

describe('--servers: a quick run of the whole mode', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-servers-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const bench = (args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bench/index.js'), '--servers', '--strict', ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 300_000,
    });

  test('request/response: --quick --strict', { timeout: 300_000 }, () => {
    const run = bench(['--quick', '--out', out]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      measurements: {
        server: string;
        runtime: string;
        driver: string;
        median: number | null;
        cpu: number | null;
        failures: string[];
      }[];
    };
    assert.ok(results.measurements.length > 0);
    for (const m of results.measurements) {
      assert.deepEqual(m.failures, [], `${m.server} on ${m.runtime}, driven by ${m.driver}`);
      assert.ok(m.median! > 0);
      // The server's CPU time per echo, read from /proc around the driver's measured round trips.
      assert.ok(m.cpu !== null && m.cpu > 0, `${m.server} on ${m.runtime}: cpu ${m.cpu}`);
    }
    assert.ok(results.measurements.some((m) => m.server === 'ours'));
    assert.match(
      readFileSync(join(out, 'results.csv'), 'utf8'),
      /^server,runtime,api,driver,size,tls,median_rps,min_rps,max_rps,p50_us,p90_us,p99_us,p999_us,max_us,cpu_us,rounds,failures\n/,
    );
    assert.match(run.stdout, /256 B messages \(plain, binary payload, driven by the .*\): requests per second/);
  });

  test('many connections: --connections 20 --duration 0.2 --strict', { timeout: 300_000 }, () => {
    const run = bench(['--connections', '20', '--duration', '0.2', '--out', out]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const results = JSON.parse(readFileSync(join(out, 'connections.json'), 'utf8')) as {
      measurements: {
        server: string;
        runtime: string;
        failures: string[];
        median: PerConnection & { echoesPerSecond: number };
      }[];
    };
    for (const m of results.measurements) {
      assert.deepEqual(m.failures, [], `${m.server} on ${m.runtime}`);
      assert.ok(m.median.echoesPerSecond > 0);
      const { minPerConnection, p10PerConnection, medianPerConnection } = m.median;
      assert.ok(
        minPerConnection <= p10PerConnection && p10PerConnection <= medianPerConnection,
        JSON.stringify(m.median),
      );
    }
    assert.match(readFileSync(join(out, 'connections.csv'), 'utf8'), /,fewest_echoes_per_conn,p10_echoes_per_conn,/);
    assert.match(run.stdout, /per conn: fewest\/p10\/median/);
  });
});
