// `ws`'s WebSocketServer on Node, with bufferutil (installed, and not turned off by WS_NO_BUFFER_UTIL):
// every message echoed as it came (binary as binary, text as text); no permessage-deflate.
// TLS: an https server carrying it.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { announce, controlled, serverArgs } from './common.ts';

const args = await serverArgs();
const server = args.tls ? https.createServer({ cert: args.tls.cert, key: args.tls.key }) : http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => {});
});
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, args.host, () => resolve());
});
announce(args, (server.address() as AddressInfo).port);
controlled(
  args,
  () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close(() => resolve());
    }),
);
