// ws's WebSocketServer with permessage-deflate on, for the client suite's interop scenarios: it runs
// in the parent test process (Node) and echoes, compressing every message (threshold 0). The path picks
// the server's settings:
//   /takeover      ws's defaults (context takeover both ways)
//   /no-takeover   server_no_context_takeover and client_no_context_takeover
//   /small-window  server_max_window_bits=10, client_max_window_bits=9
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import { stopWebSocketServers } from '../support/node-servers.ts';

const SETTINGS: Record<string, PerMessageDeflateOptions> = {
  '/takeover': { threshold: 0 },
  '/no-takeover': { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
  '/small-window': { threshold: 0, serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
};

export interface DeflateServer {
  url: string;
  stop(): Promise<void>;
}

export async function startDeflateServer(): Promise<DeflateServer> {
  const server = http.createServer();
  const servers = new Map(
    Object.entries(SETTINGS).map(([path, perMessageDeflate]) => {
      const wss = new WebSocketServer({ noServer: true, perMessageDeflate, maxPayload: 64 * 1024 * 1024 });
      wss.on('connection', (socket) => {
        socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
      });
      return [path, wss] as const;
    }),
  );
  server.on('upgrade', (request, socket, head) => {
    const wss = servers.get(new URL(request.url ?? '/', 'http://x').pathname);
    if (!wss) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => stopWebSocketServers([server], [...servers.values()]),
  };
}
