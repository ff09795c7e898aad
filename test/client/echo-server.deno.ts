// The Deno echo servers for the client suite: Deno.serve with Deno.upgradeWebSocket, plain and TLS.
import type { EchoServers } from './run-suite.ts';

export function startEchoServers(tls: { cert: string; key: string }): EchoServers {
  const sockets = new Set<WebSocket>();
  const handler = (req: Request): Response => {
    if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket')
      return new Response('WebSocket only', { status: 426 });
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.binaryType = 'arraybuffer';
    sockets.add(socket);
    socket.onmessage = (event) => socket.send(event.data);
    socket.onclose = () => sockets.delete(socket);
    socket.onerror = () => {};
    return response;
  };
  const quiet = () => {};
  const plain = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: quiet }, handler);
  const secure = Deno.serve({ hostname: '127.0.0.1', port: 0, cert: tls.cert, key: tls.key, onListen: quiet }, handler);
  return {
    url: `ws://127.0.0.1:${plain.addr.port}/`,
    tlsUrl: `wss://127.0.0.1:${secure.addr.port}/`,
    async stop() {
      for (const socket of sockets) socket.close();
      await Promise.all([plain.shutdown(), secure.shutdown()]);
    },
  };
}
