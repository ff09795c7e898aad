// The server under test on Node (and Node 24): `node --import tsx test/server/serve-node.ts`, the
// certificate, encrypted key and passphrase in WSTEST_SERVER (JSON). Stops gracefully when stdin ends.
import { serve, WebSocketServer } from '../../runtimes/node.ts';
import { portsLine, startTestServer } from './test-server.ts';

const config = JSON.parse(process.env.WSTEST_SERVER ?? '');
const server = await startTestServer(serve, WebSocketServer, config, () => process.memoryUsage.rss());
console.log(portsLine(server.ports));
process.stdin.resume();
process.stdin.on('end', () => {
  void server.stop().then(() => console.log(JSON.stringify({ stopped: true })));
});
