// The Node echo servers for the client suite: the `ws` package's WebSocketServer, plain and TLS.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { stopWebSocketServers } from '../support/node-servers.ts';
import type { EchoServers } from './run-suite.ts';

function echo(socket: WsSocket): void {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
}

export async function startEchoServers(tls: { cert: string; key: string }): Promise<EchoServers> {
  const plain = http.createServer();
  const secure = https.createServer({ cert: tls.cert, key: tls.key });
  const servers = [plain, secure].map((server) => {
    const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 * 1024 });
    wss.on('connection', echo);
    return wss;
  });
  await Promise.all([plain, secure].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const port = (s: http.Server) => (s.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port(plain)}/`,
    tlsUrl: `wss://127.0.0.1:${port(secure)}/`,
    stop: () => stopWebSocketServers([plain, secure], servers),
  };
}
