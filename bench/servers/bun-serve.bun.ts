// Bun's own server: Bun.serve with a `websocket` handler that echoes every message as it came (a
// string as text, a Buffer as binary); no permessage-deflate, no pings of its own (a ping would
// reach the floor driver as an echo of the wrong size), no idle timeout.
import { announce, controlled, serverArgs } from './common.ts';

const args = await serverArgs();
const server = Bun.serve({
  hostname: args.host,
  port: 0,
  tls: args.tls ? { cert: args.tls.cert, key: args.tls.key } : undefined,
  fetch(request, server) {
    if (server.upgrade(request)) return undefined;
    return new Response('a WebSocket echo server', { status: 426 });
  },
  websocket: {
    message(ws, message) {
      ws.send(message);
    },
    perMessageDeflate: false,
    sendPings: false,
    idleTimeout: 0,
    maxPayloadLength: 64 * 1024 * 1024,
  },
});
announce(args, server.port ?? 0);
controlled(args, () => server.stop(true));
