// The fuzzer's client on Bun: `bun test/hostile/fuzz-run.bun.ts`, config in FUZZ_CONFIG.
import { connect, WebSocket } from '../../runtimes/bun.ts';
import { FuzzDriver, type FuzzConfig } from './fuzz-driver.ts';

const driver = new FuzzDriver(
  { runtime: 'bun', connect, WebSocket, rss: () => process.memoryUsage().rss, gc: () => Bun.gc(true) },
  JSON.parse(Bun.env.FUZZ_CONFIG ?? '') as FuzzConfig,
);
// Report, and keep running: one crash must not hide the next.
process.on('uncaughtException', (error) => driver.uncaught('uncaughtException', error));
process.on('unhandledRejection', (reason) => driver.uncaught('unhandledRejection', reason));
await driver.run();
