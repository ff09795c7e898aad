// One hostile scenario on Bun: `bun test/hostile/run.bun.ts`, config in WSTEST_HOSTILE.
import { connect, WebSocket } from '../../runtimes/bun.ts';
import { reportUncaught, runScenario, type HostileConfig } from './run-scenario.ts';

for (const kind of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(kind, (error: unknown) => {
    reportUncaught(kind, error);
    process.exitCode = 1;
  });
}
const config = JSON.parse(process.env.WSTEST_HOSTILE ?? '') as HostileConfig;
await runScenario({ runtime: 'bun', connect, WebSocket, ...config }, config.scenario, {
  rss: () => process.memoryUsage.rss(),
  gc: () => Bun.gc(true),
});
