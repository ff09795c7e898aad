// One hostile scenario on Deno: `deno run -A --v8-flags=--expose-gc test/hostile/run.deno.ts`, config in WSTEST_HOSTILE.
import { connect, WebSocket } from '../../runtimes/deno.ts';
import { runScenario, type HostileConfig } from './run-scenario.ts';

globalThis.addEventListener('error', (event) => {
  event.preventDefault();
  console.log(JSON.stringify({ uncaught: String(event.error?.stack ?? event.message) }));
  Deno.exitCode = 1;
});
globalThis.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  console.log(JSON.stringify({ uncaught: `unhandled rejection: ${String(event.reason?.stack ?? event.reason)}` }));
  Deno.exitCode = 1;
});
const config = JSON.parse(Deno.env.get('WSTEST_HOSTILE') ?? '') as HostileConfig;
await runScenario({ runtime: 'deno', connect, WebSocket, ...config }, config.scenario, {
  rss: () => Deno.memoryUsage().rss,
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
});
