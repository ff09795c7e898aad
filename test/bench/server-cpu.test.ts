// With --servers the CPU figure is the server's (bench/servers/server-cpu.ts): read from /proc when the
// driver prints MEASURING and again at its next output, its figures; what the driver printed at once
// (no window to measure) or a server without a reading gives none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MEASURING_LINE } from '../../bench/clients/loop.ts';
import { readCpuSeconds } from '../../bench/servers/process.ts';
import { ServerCpu } from '../../bench/servers/server-cpu.ts';

/** A server whose CPU readings are `readings`, in turn. */
function serverReading(...readings: (number | null)[]) {
  let i = 0;
  return { cpuSeconds: () => readings[i++] ?? null };
}

test('CPU time per echo: from the MEASURING line to the next output, over the echoes measured', () => {
  const cpu = new ServerCpu(serverReading(10, 12.5));
  cpu.read('warming\n');
  cpu.read(`${MEASURING_LINE}\n`);
  cpu.read('RESULT {"rps":5000}\n');
  cpu.read('more output\n'); // read once only
  assert.equal(cpu.perEcho(50_000), 50); // 2.5 s of CPU over 50,000 echoes
});

test('no figure without both readings, when the figures came with MEASURING, or without echoes', () => {
  const never = new ServerCpu(serverReading(1, 2));
  never.read('RESULT {"rps":5000}\n');
  assert.equal(never.perEcho(100), null);

  const sameChunk = new ServerCpu(serverReading(1, 2));
  sameChunk.read(`${MEASURING_LINE}\nRESULT {"rps":5000}\n`);
  sameChunk.read('\n');
  assert.equal(sameChunk.perEcho(100), null);

  const noReading = new ServerCpu(serverReading(null, 2));
  noReading.read(`${MEASURING_LINE}\n`);
  noReading.read('rps=100\n');
  assert.equal(noReading.perEcho(100), null);

  const noEchoes = new ServerCpu(serverReading(1, 2));
  noEchoes.read(`${MEASURING_LINE}\n`);
  noEchoes.read('rps=0\n');
  assert.equal(noEchoes.perEcho(0), null);
});

test("/proc's CPU time of a process grows with its work; none for a process that is not there", {
  skip: process.platform !== 'linux',
}, () => {
  const before = readCpuSeconds(process.pid);
  assert.ok(before !== null && before > 0, String(before));
  const spinUntil = performance.now() + 100;
  let x = 0;
  while (performance.now() < spinUntil) x++;
  const after = readCpuSeconds(process.pid)!;
  // 100 ms spun, counted in ticks of 10 ms (CLK_TCK 100): at least most of it shows.
  assert.ok(after - before >= 0.05 && x > 0, `${before} → ${after}`);
  assert.equal(readCpuSeconds(2 ** 22 + 1), null); // above the kernel's pid_max
});
