// One hostile scenario on Node: `node --expose-gc --import tsx test/hostile/run-node.ts`, config in WSTEST_HOSTILE.
import { connect, WebSocket } from '../../runtimes/node.ts';
import { reportUncaught, runScenario, type HostileConfig } from './run-scenario.ts';

for (const kind of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(kind, (error: unknown) => {
    reportUncaught(kind, error);
    process.exitCode = 1;
  });
}
const config = JSON.parse(process.env.WSTEST_HOSTILE ?? '') as HostileConfig;
await runScenario({ runtime: 'node', connect, WebSocket, ...config }, config.scenario, {
  rss: () => process.memoryUsage.rss(),
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
});
