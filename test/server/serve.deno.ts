// The server under test on Deno: `deno run -A test/server/serve.deno.ts`, config as serve-node.ts.
import { serve, WebSocketServer } from '../../runtimes/deno.ts';
import { portsLine, startTestServer } from './test-server.ts';

const config = JSON.parse(Deno.env.get('WSTEST_SERVER') ?? '');
const server = await startTestServer(serve, WebSocketServer, config, () => Deno.memoryUsage().rss);
console.log(portsLine(server.ports));
for await (const _ of Deno.stdin.readable) {
  // the parent writes nothing: wait for the end
}
await server.stop();
console.log(JSON.stringify({ stopped: true }));
