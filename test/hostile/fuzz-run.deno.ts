// The fuzzer's client on Deno: `deno run -A --v8-flags=--expose-gc test/hostile/fuzz-run.deno.ts`, config in FUZZ_CONFIG.
import { connect, WebSocket } from '../../runtimes/deno.ts';
import { FuzzDriver, type FuzzConfig } from './fuzz-driver.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with deno run --v8-flags=--expose-gc');
const driver = new FuzzDriver(
  { runtime: 'deno', connect, WebSocket, rss: () => Deno.memoryUsage().rss, gc },
  JSON.parse(Deno.env.get('FUZZ_CONFIG') ?? '') as FuzzConfig,
);
// Report, and keep running (preventDefault): one crash must not hide the next.
globalThis.addEventListener('error', (event) => {
  event.preventDefault();
  driver.uncaught('error event', event.error);
});
globalThis.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  driver.uncaught('unhandledrejection', event.reason);
});
await driver.run();
