// The embedded fallback echo server (when the Beast binaries are not built): ws on Node, plain only;
// `--deflate` accepts permessage-deflate and compresses every message.
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: process.argv.includes('--deflate') ? { threshold: 0 } : false,
  maxPayload: 64 * 1024 * 1024,
});
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on('listening', () => {
  const address = server.address();
  console.log(`port=${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
