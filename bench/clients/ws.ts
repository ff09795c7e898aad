// The `ws` npm package, loaded by its file path: Bun maps the bare name `ws` to its own client.
// WS_NO_BUFFER_UTIL=1 in the environment measures it without bufferutil.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { clientArgs, readText, runLoop } from './loop.ts';

const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve('ws/package.json'));
const WS: typeof import('ws').WebSocket = require(join(wsDir, 'lib/websocket.js'));

const args = clientArgs();
const ca = args.ca ? await readText(args.ca) : undefined;
await runLoop(args, async (onEcho) => {
  // With --deflate, ws's own defaults for it (its default is on; off otherwise, as before).
  const ws = new WS(args.url, { ca, perMessageDeflate: args.deflate, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('message', (data: Buffer) => onEcho(data.length));
  return { send: (payload) => ws.send(payload), close: () => ws.close(), extensions: ws.extensions };
});
