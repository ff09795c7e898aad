// Stopping the Node test servers that carry ws's WebSocketServer (the client suite's echo, deflate and
// mutual-TLS servers): every client dropped, then the WebSocket servers, then the HTTP servers.
import type http from 'node:http';
import type { WebSocketServer } from 'ws';

export async function stopWebSocketServers(servers: http.Server[], wsServers: WebSocketServer[]): Promise<void> {
  for (const wss of wsServers) for (const client of wss.clients) client.terminate();
  await Promise.all(wsServers.map((wss) => new Promise<void>((resolve) => wss.close(() => resolve()))));
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
}
