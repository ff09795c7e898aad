// Runs the client scenarios on Node: `node --import tsx test/client/run-node.ts`, config in WSTEST_CONFIG.
import { connect, WebSocket, WebSocketStream } from '../../runtimes/node.ts';
import { startEchoServers } from './echo-server-node.ts';
import { runSuite, suiteEnv, type SuiteConfig } from './run-suite.ts';

const setEnv = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};
const config = JSON.parse(process.env.WSTEST_CONFIG ?? '') as SuiteConfig;
const echo = await startEchoServers({ cert: config.cert, key: config.key });
await runSuite(suiteEnv('node', { connect, WebSocket, WebSocketStream, setEnv }, config, echo), config, echo);
