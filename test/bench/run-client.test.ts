// How the benchmark reads a client's figures (bench/run-client.ts): the JS clients' RESULT line, the
// Beast client's `latency_us …`, `cpu_us=` and `rps=` lines (from a real run of it against the Beast
// server), and what makes a latency or a CPU time unusable (null, while the rate still counts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseResult } from '../../bench/run-client.ts';
import { type BeastServer, runBeastClient, startBeastServer } from '../../server/beast.ts';

const latency = { p50: 40.5, p90: 52, p99: 80.25, p999: 300, max: 1200 };

describe('parseResult', () => {
  test("a JS client's RESULT line: the rate, every percentile and the CPU time", () => {
    const out = `MEASURING\nRESULT ${JSON.stringify({ rps: 25000.5, latency, cpu: 31.4 })}\n`;
    assert.deepEqual(parseResult(out), { rps: 25000.5, latency, cpu: 31.4 });
  });

  test('the last RESULT line is the one read', () => {
    const out = `RESULT {"rps":1}\nRESULT ${JSON.stringify({ rps: 2, latency, cpu: 7 })}`;
    assert.deepEqual(parseResult(out), { rps: 2, latency, cpu: 7 });
  });

  test("the Beast client's latency and CPU lines before its rps line", () => {
    const out = 'MEASURING\nlatency_us p50=40.5 p90=52.0 p99=80.25 p999=300.0 max=1200.0\ncpu_us=16.3\nrps=31000.7\n';
    assert.deepEqual(parseResult(out), { rps: 31000.7, latency, cpu: 16.3 });
  });

  test('a missing, partial, negative or non-numeric latency is null; the rate still counts', () => {
    assert.deepEqual(parseResult('rps=100'), { rps: 100, latency: null, cpu: null });
    const none = { rps: 100, latency: null, cpu: 2 };
    assert.deepEqual(parseResult('latency_us p50=1 p90=2 p99=3 p999=4\ncpu_us=2\nrps=100'), none);
    assert.deepEqual(parseResult('latency_us p50=1 p90=2 p99=-3 p999=4 max=5\ncpu_us=2\nrps=100'), none);
    assert.deepEqual(parseResult('latency_us p50=1 p90=x p99=3 p999=4 max=5\ncpu_us=2\nrps=100'), none);
    const partial = { ...latency, max: undefined };
    assert.deepEqual(parseResult(`RESULT ${JSON.stringify({ rps: 5, latency: partial, cpu: 2 })}`), {
      rps: 5,
      latency: null,
      cpu: 2,
    });
  });

  test('a missing, empty, negative or non-numeric CPU time is null; the rest still counts', () => {
    const beast = (cpuLine: string) =>
      parseResult(`latency_us p50=40.5 p90=52.0 p99=80.25 p999=300.0 max=1200.0\n${cpuLine}rps=100`);
    assert.deepEqual(beast(''), { rps: 100, latency, cpu: null });
    assert.deepEqual(beast('cpu_us=\n'), { rps: 100, latency, cpu: null });
    assert.deepEqual(beast('cpu_us=-1\n'), { rps: 100, latency, cpu: null });
    assert.deepEqual(beast('cpu_us=abc\n'), { rps: 100, latency, cpu: null });
    for (const cpu of [undefined, -3, 'x', null]) {
      assert.deepEqual(parseResult(`RESULT ${JSON.stringify({ rps: 5, latency, cpu })}`), {
        rps: 5,
        latency,
        cpu: null,
      });
    }
  });

  test('output without a result line is null', () => {
    assert.equal(parseResult(''), null);
    assert.equal(parseResult('latency_us p50=1 p90=2 p99=3 p999=4 max=5\nerror: connection refused'), null);
  });
});

describe('the Beast client, run for real', () => {
  let server: BeastServer;
  before(async () => {
    server = await startBeastServer();
  });
  after(() => server?.stop());

  test('its output parses to a positive rate, ordered percentiles and a CPU time, after a MEASURING line', async () => {
    const { stdout } = await runBeastClient({
      async: false,
      secure: false,
      host: server.host,
      port: server.plainPort,
      size: 256,
      seconds: 0.3,
    });
    const result = parseResult(stdout);
    assert.ok(result, `no result in: ${stdout}`);
    assert.ok(result.rps > 0);
    assert.ok(result.latency, `no latency in: ${stdout}`);
    const { p50, p90, p99, p999, max } = result.latency;
    assert.ok(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max, JSON.stringify(result.latency));
    // Each round trip costs the client some CPU time, and no more than the round trip lasted.
    assert.ok(result.cpu !== null && result.cpu > 0 && result.cpu <= max, `cpu ${result.cpu} in: ${stdout}`);
    assert.match(stdout, /^MEASURING\n(?:.*\n)*latency_us /);
  });
});
