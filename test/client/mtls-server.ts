// A WebSocket server that requires a client certificate (mutual TLS), for the client suite: Node's
// https with requestCert and rejectUnauthorized, the test CA as the only one it trusts, and ws on top.
// On connection it sends the client certificate's CN as a text message, then echoes.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { stopWebSocketServers } from '../support/node-servers.ts';

export interface MtlsServer {
  url: string;
  stop(): Promise<void>;
}

export async function startMtlsServer(tls: { ca: string; cert: string; key: string }): Promise<MtlsServer> {
  const server = https.createServer({ ...tls, requestCert: true, rejectUnauthorized: true });
  server.on('tlsClientError', () => {}); // a client without a certificate: refused, which is the point
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, request) => {
    const peer = (request.socket as TLSSocket).getPeerCertificate();
    socket.send(`client:${peer.subject?.CN ?? 'none'}`);
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `wss://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    stop: () => stopWebSocketServers([server], [wss]),
  };
}
