// One hostile scenario on Bun: `bun test/hostile/run.bun.ts`, config in WSTEST_HOSTILE.
import { connect, WebSocket } from '../../runtimes/bun.ts';
import { runScenario, type HostileConfig } from './run-scenario.ts';

process.on('uncaughtException', (error) => {
  console.log(JSON.stringify({ uncaught: String(error?.stack ?? error) }));
  process.exitCode = 1;
});
process.on('unhandledRejection', (error) => {
  console.log(JSON.stringify({ uncaught: `unhandled rejection: ${String((error as Error)?.stack ?? error)}` }));
  process.exitCode = 1;
});
const config = JSON.parse(process.env.WSTEST_HOSTILE ?? '') as HostileConfig;
await runScenario({ runtime: 'bun', connect, WebSocket, ...config }, config.scenario, {
  rss: () => process.memoryUsage.rss(),
  gc: () => Bun.gc(true),
});
