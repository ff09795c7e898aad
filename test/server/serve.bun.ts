// The server under test on Bun: `bun test/server/serve.bun.ts`, config as serve-node.ts.
import { serve, WebSocketServer } from '../../runtimes/bun.ts';
import { portsLine, startTestServer } from './test-server.ts';

const config = JSON.parse(Bun.env.WSTEST_SERVER ?? '');
const server = await startTestServer(serve, WebSocketServer, config, () => process.memoryUsage.rss());
console.log(portsLine(server.ports));
for await (const _ of Bun.stdin.stream()) {
  // the parent writes nothing: wait for the end
}
await server.stop();
console.log(JSON.stringify({ stopped: true }));
