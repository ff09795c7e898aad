// The fuzzer's client on Node: `node --expose-gc --import tsx test/hostile/fuzz-run-node.ts`, config in FUZZ_CONFIG.
import { connect, WebSocket } from '../../runtimes/node.ts';
import { FuzzDriver, type FuzzConfig } from './fuzz-driver.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const driver = new FuzzDriver(
  { runtime: 'node', connect, WebSocket, rss: () => process.memoryUsage.rss(), gc },
  JSON.parse(process.env.FUZZ_CONFIG ?? '') as FuzzConfig,
);
// Report, and keep running: one crash must not hide the next.
process.on('uncaughtException', (error) => driver.uncaught('uncaughtException', error));
process.on('unhandledRejection', (reason) => driver.uncaught('unhandledRejection', reason));
await driver.run();
