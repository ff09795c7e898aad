// Runs the client scenarios on Bun: `bun test/client/run.bun.ts`, config in WSTEST_CONFIG.
import { connect, WebSocket, WebSocketStream } from '../../runtimes/bun.ts';
import { startEchoServers } from './echo-server.bun.ts';
import { runSuite, suiteEnv, type SuiteConfig } from './run-suite.ts';

const setEnv = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};
const config = JSON.parse(Bun.env.WSTEST_CONFIG ?? '') as SuiteConfig;
const echo = startEchoServers({ cert: config.cert, key: config.key });
await runSuite(suiteEnv('bun', { connect, WebSocket, WebSocketStream, setEnv }, config, echo), config, echo);
