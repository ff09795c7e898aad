// Issue 15's targets as the benchmark judges them: met, MISS, or beyond the floor (the target asks for
// more than the runtime's I/O floor did in the same run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Latency, Measurement } from '../../bench/report/measurements.ts';
import { checkServerTargets, checkTargets, renderTargets } from '../../bench/report/targets.ts';

function measured(client: string, runtime: string, size: number, rps: number, p99?: number): Measurement {
  const latency: Latency | null = p99 === undefined ? null : { p50: p99 / 2, p90: p99, p99, p999: p99, max: p99 };
  return {
    client,
    label: client,
    runtime,
    api: '',
    size,
    tls: false,
    rounds: [rps],
    median: rps,
    min: rps,
    max: rps,
    failures: [],
    latencies: [latency],
    latency,
  };
}

const verdicts = (all: Measurement[]) =>
  Object.fromEntries(checkTargets(all).map((c) => [`${c.runtime} ${c.size} ${c.target}`, c.verdict]));

test('a target the floor allows is met or missed; one above the floor is beyond it', () => {
  const all = [
    // Bun at 8 KiB: native 16k, the floor 16k: 1.3x native (20.8k) is more than the floor did.
    measured('wasm-ws', 'bun', 8192, 14_000, 200),
    measured('native', 'bun', 8192, 16_000, 120),
    measured('floor', 'bun', 8192, 16_000, 130),
    // Node at 8 KiB: native 5k, the floor 20k: 1.3x native is within the floor's reach, and met.
    measured('wasm-ws', 'node', 8192, 19_800, 100),
    measured('native', 'node', 8192, 5_000, 900),
    measured('floor', 'node', 8192, 20_000, 90),
    measured('ws-bufferutil', 'node', 8192, 17_000),
    // The Beast client faster than both floors.
    measured('beast-sync', 'c++', 8192, 23_000),
  ];
  assert.deepEqual(verdicts(all), {
    'bun 8192 ≥ 0.97× floor': 'MISS',
    'bun 8192 ≥ 1.3× native': 'beyond the floor',
    'bun 8192 ≥ 1.0× Beast': 'beyond the floor',
    // The floor's own p99 (130) is above native's (120): beyond it.
    'bun 8192 p99 ≤ native p99': 'beyond the floor',
    'node 8192 ≥ 0.97× floor': 'met',
    'node 8192 ≥ 1.3× native': 'met',
    // 1.2 × 17k = 20.4k: more than the floor's 20k.
    'node 8192 ≥ 1.2× ws + bufferutil': 'beyond the floor',
    'node 8192 ≥ 1.0× Beast': 'beyond the floor',
    'node 8192 p99 ≤ native p99': 'met',
  });
});

test('without a floor in the run, a missed target is a MISS, and 256 B asks for 1.0x native', () => {
  const all = [measured('wasm-ws', 'deno', 256, 9_000, 150), measured('native', 'deno', 256, 10_000, 140)];
  assert.deepEqual(verdicts(all), { 'deno 256 ≥ 1.0× native': 'MISS', 'deno 256 p99 ≤ native p99': 'MISS' });
  const text = renderTargets(checkTargets(all));
  assert.match(text, /0 met, 2 missed, 0 beyond the floor/);
  assert.match(
    text,
    /MISS {2}deno 256 B: ≥ 1\.0× native: ours 9000 against 10\.0k \(0\.900×; by round 0\.90–0\.90×, met in 0 of 1\)/,
  );
});

test("a miss is paired round by round: the ratio's spread, and in how many rounds it was met", () => {
  const rounds = (m: Measurement, values: number[]): Measurement => ({
    ...m,
    rounds: values,
    median: [...values].sort((a, b) => a - b)[1],
  });
  const all = [
    rounds(measured('wasm-ws', 'bun', 256, 0), [9_000, 10_500, 9_500]),
    rounds(measured('native', 'bun', 256, 0), [10_000, 10_000, 10_000]),
    // The floor lost its second round: no pairing against it.
    { ...rounds(measured('floor', 'bun', 256, 0), [12_000, 12_000, 12_000]), failures: ['timed out'] },
  ];
  const byTarget = Object.fromEntries(checkTargets(all).map((c) => [c.target, c]));
  assert.equal(byTarget['≥ 1.0× native'].verdict, 'MISS');
  assert.deepEqual(byTarget['≥ 1.0× native'].rounds, { min: 0.9, max: 1.05, met: 1, of: 3 });
  assert.equal(byTarget['≥ 0.97× floor'].rounds, null);
  const text = renderTargets(checkTargets(all));
  assert.match(text, /Of the missed: 0 met in no round, 1 met in some rounds .*, 1 not paired \(a round failed\)/);
  assert.match(text, /\(0\.950×, floor 12\.0k; by round 0\.90–1\.05×, met in 1 of 3\)/);
});

test("a miss shows both CPU times per round trip where both were reported; p99's shows none", () => {
  const all = [
    { ...measured('wasm-ws', 'node', 256, 15_000, 90), cpu: 40.2 },
    { ...measured('floor', 'node', 256, 20_000, 80), cpu: 31.5 },
    // Native reported none: its check has no CPU times.
    { ...measured('native', 'node', 256, 16_000, 85), cpu: null },
  ];
  const byTarget = Object.fromEntries(checkTargets(all).map((c) => [c.target, c]));
  assert.deepEqual(byTarget['≥ 0.97× floor'].cpu, { ours: 40.2, reference: 31.5 });
  assert.equal(byTarget['≥ 1.0× native'].cpu, null);
  assert.equal(byTarget['p99 ≤ native p99'].cpu, undefined);
  const text = renderTargets(checkTargets(all));
  assert.match(
    text,
    /≥ 0\.97× floor: ours 15\.0k against 20\.0k \(0\.750×, floor 20\.0k; .*; CPU 40\.2 against 31\.5 µs\)/,
  );
  assert.match(text, /≥ 1\.0× native: ours 15\.0k against 16\.0k \([^)]*met in 0 of 1\)/);
});

test('only our low-latency client is judged, and failed measurements are left out', () => {
  const failed = { ...measured('wasm-ws', 'bun', 256, 0), median: null };
  assert.deepEqual(checkTargets([failed, measured('native', 'bun', 256, 10), measured('ws', 'node', 256, 5)]), []);
});

test("servers: issue 16's targets per driver; the floor judged only where native is out of reach (faster than it)", () => {
  const served = (server: string, runtime: string, rps: number, driver = 'beast-sync') => ({
    ...measured(server, runtime, 256, rps),
    driver,
  });
  const all = [
    // Bun: Bun.serve (native code) ahead of the floor server, ours behind both.
    served('ours', 'bun', 19_000),
    served('bun-serve', 'bun', 25_000),
    served('floor', 'bun', 24_000),
    // Node: ours ahead of ws and at the floor; the Beast server just within 0.9x of ours.
    served('ours', 'node', 25_000),
    served('ws', 'node', 23_000),
    served('floor', 'node', 25_500),
    served('beast', 'c++', 27_500),
    // Deno at 8 KiB: ours ahead of Deno.serve but well behind its floor: the floor is not one of the targets there.
    { ...served('ours', 'deno', 20_000), size: 8192 },
    { ...served('deno-serve', 'deno', 18_000), size: 8192 },
    { ...served('floor', 'deno', 26_000), size: 8192 },
    // Deno at 100 KB: Deno.serve ahead of its floor (out of reach), ours at 0.98x the floor: met.
    { ...served('ours', 'deno', 9_800), size: 100_000 },
    { ...served('deno-serve', 'deno', 11_000), size: 100_000 },
    { ...served('floor', 'deno', 10_000), size: 100_000 },
    // Another driver's figures are not mixed in.
    served('floor', 'node', 90_000, 'floor-bun'),
  ];
  const native = (runtime: string) => ({ bun: 'bun-serve', deno: 'deno-serve' })[runtime] ?? 'ws';
  const got = Object.fromEntries(
    checkServerTargets(all, native).map((c) => [`${c.runtime} ${c.size} ${c.driver} ${c.target}`, c.verdict]),
  );
  assert.deepEqual(got, {
    'bun 256 beast-sync ≥ 0.97× floor': 'MISS',
    'bun 256 beast-sync ≥ 1.0× native server': 'beyond the floor',
    // 0.9 × 27.5k = 24.75k: more than Bun's floor did.
    'bun 256 beast-sync ≥ 0.9× Beast': 'beyond the floor',
    'node 256 beast-sync ≥ 1.0× native server': 'met',
    'node 256 beast-sync ≥ 0.9× Beast': 'met',
    'deno 8192 beast-sync ≥ 1.0× native server': 'met',
    'deno 100000 beast-sync ≥ 0.97× floor': 'met',
    'deno 100000 beast-sync ≥ 1.0× native server': 'beyond the floor',
  });
  // Without the native server in the run, the floor is judged.
  const withoutNative = all.filter((m) => m.client !== 'ws');
  assert.ok(checkServerTargets(withoutNative, native).some((c) => c.runtime === 'node' && c.target.includes('floor')));
});
