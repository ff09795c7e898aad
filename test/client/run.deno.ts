// Runs the client scenarios on Deno: `deno run -A test/client/run.deno.ts`, config in WSTEST_CONFIG.
import { connect, WebSocket, WebSocketStream } from '../../runtimes/deno.ts';
import { startEchoServers } from './echo-server.deno.ts';
import { runSuite, suiteEnv, type SuiteConfig } from './run-suite.ts';

const setEnv = (name: string, value: string | undefined) =>
  value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
const config = JSON.parse(Deno.env.get('WSTEST_CONFIG') ?? '') as SuiteConfig;
const echo = startEchoServers({ cert: config.cert, key: config.key });
await runSuite(suiteEnv('deno', { connect, WebSocket, WebSocketStream, setEnv }, config, echo), config, echo);
