// The Bun echo servers for the client suite: Bun.serve's WebSocket, plain and TLS, and plain with
// permessage-deflate on (Bun.serve compresses what it sends).
import type { EchoServers } from './run-suite.ts';

export function startEchoServers(tls: { cert: string; key: string }): EchoServers {
  const make = (secure: boolean, perMessageDeflate = false) =>
    Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      tls: secure ? { cert: tls.cert, key: tls.key } : undefined,
      fetch(req, server) {
        if (server.upgrade(req)) return undefined;
        return new Response('WebSocket only', { status: 426 });
      },
      websocket: {
        maxPayloadLength: 64 * 1024 * 1024,
        perMessageDeflate,
        message(ws, message) {
          ws.send(message);
        },
      },
    });
  const plain = make(false);
  const secure = make(true);
  const deflate = make(false, true);
  return {
    url: `ws://127.0.0.1:${plain.port}/`,
    tlsUrl: `wss://127.0.0.1:${secure.port}/`,
    deflateUrl: `ws://127.0.0.1:${deflate.port}/`,
    async stop() {
      await Promise.all([plain.stop(true), secure.stop(true), deflate.stop(true)]);
    },
  };
}
