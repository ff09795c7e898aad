// Deno's socket writes from a fresh copy (`slice()`) against a reused buffer (runtimes/write-buffers.ts), as
// DenoTransport.write copies every frame: µs per write of SIZE bytes, the copy and `conn.write` together, to
// a loopback socket whose other end drains; the two ways alternate in one process, 20 rounds of 3000 writes,
// medians. `deno run -A bench/micro/deno-writes.deno.ts [SIZE]` (pin it: `taskset -c 1`).
import { WriteBuffers } from '../../runtimes/write-buffers.ts';
import { median } from '../median.ts';

const size = Number(Deno.args[0] ?? 8192);
const WRITES = 3000;
const ROUNDS = 20;
const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
const client = await Deno.connect({ hostname: '127.0.0.1', port: (listener.addr as Deno.NetAddr).port });
client.setNoDelay(true);
const server = await listener.accept();
const drained = (async () => {
  const buffer = new Uint8Array(1 << 20);
  while ((await server.read(buffer)) !== null);
})();
// The bytes sent, as a frame is: a view of WebAssembly memory.
const memory = new WebAssembly.Memory({ initial: 64 });
const source = new Uint8Array(memory.buffer, 4096, size).fill(0x78);
const pool = new WriteBuffers();

const ways = {
  fresh: async () => {
    for (let i = 0; i < WRITES; i++) await client.write(source.slice());
  },
  reused: async () => {
    for (let i = 0; i < WRITES; i++) {
      const copy = pool.copy(source);
      await client.write(copy);
      pool.giveBack(copy);
    }
  },
};
const times: Record<string, number[]> = { fresh: [], reused: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(ways)) {
    const start = performance.now();
    await run();
    times[name].push(((performance.now() - start) * 1000) / WRITES);
  }
}
console.log(
  `${size} B: fresh copy ${median(times.fresh).toFixed(2)} µs, reused buffer ${median(times.reused).toFixed(2)} µs per write`,
);
client.close();
await drained.catch(() => {});
listener.close();
