// One hostile scenario on Deno: `deno run -A --v8-flags=--expose-gc test/hostile/run.deno.ts`, config in WSTEST_HOSTILE.
import { connect, WebSocket } from '../../runtimes/deno.ts';
import { reportUncaught, runScenario, type HostileConfig } from './run-scenario.ts';

globalThis.addEventListener('error', (event) => {
  event.preventDefault();
  reportUncaught('uncaughtException', event.error ?? event.message);
  Deno.exitCode = 1;
});
globalThis.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  reportUncaught('unhandledRejection', event.reason);
  Deno.exitCode = 1;
});
const config = JSON.parse(Deno.env.get('WSTEST_HOSTILE') ?? '') as HostileConfig;
await runScenario({ runtime: 'deno', connect, WebSocket, ...config }, config.scenario, {
  rss: () => Deno.memoryUsage().rss,
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
});
