// Real proxies for the client suite: proxy-chain (HTTP CONNECT, credentials required), socksv5 (SOCKS5,
// username/password), and a proxy that accepts and never answers. Each counts the tunnels it opened per
// target (`host:port`), served as JSON at `statsUrl`, so a scenario can tell that its connection really
// went through the proxy. Targets named `blocked.invalid` are refused.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { RequestError, Server as HttpProxy } from 'proxy-chain';
import socks from 'socksv5';

export const PROXY_USER = 'proxy user';
export const PROXY_PASSWORD = 'pass:wörd@1';
export const BLOCKED_HOST = 'blocked.invalid';

export interface ProxyServers {
  /** http://127.0.0.1:port (proxy-chain), requiring PROXY_USER / PROXY_PASSWORD. */
  httpProxy: string;
  /** socks5://127.0.0.1:port (socksv5), requiring PROXY_USER / PROXY_PASSWORD. */
  socksProxy: string;
  /** Accepts TCP connections and never answers. */
  hangingProxy: string;
  /** GET: {"http": {"host:port": tunnels}, "socks": {…}}. */
  statsUrl: string;
  stop(): Promise<void>;
}

export async function startProxyServers(): Promise<ProxyServers> {
  const tunnels = { http: {} as Record<string, number>, socks: {} as Record<string, number> };
  const count = (table: Record<string, number>, host: string, port: number) => {
    const key = `${host}:${port}`;
    table[key] = (table[key] ?? 0) + 1;
  };

  const httpProxy = new HttpProxy({
    port: 0,
    host: '127.0.0.1',
    prepareRequestFunction: ({ username, password, hostname, port }) => {
      if (username !== PROXY_USER || password !== PROXY_PASSWORD) return { requestAuthentication: true };
      if (hostname === BLOCKED_HOST) throw new RequestError('blocked by the test proxy', 403);
      count(tunnels.http, hostname, port);
      return {};
    },
  });
  await httpProxy.listen();

  const socksProxy = socks.createServer((info, accept, deny) => {
    if (info.dstAddr === BLOCKED_HOST) return deny();
    count(tunnels.socks, info.dstAddr, info.dstPort);
    accept();
  });
  socksProxy.useAuth(
    socks.auth.UserPassword((user, password, done) => done(user === PROXY_USER && password === PROXY_PASSWORD)),
  );
  const socksSockets = new Set<net.Socket>();
  socksProxy._srv.on('connection', (socket: net.Socket) => {
    socksSockets.add(socket);
    socket.once('close', () => socksSockets.delete(socket));
  });
  await new Promise<void>((resolve) => socksProxy.listen(0, '127.0.0.1', resolve));

  const held = new Set<net.Socket>();
  const hanging = net.createServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));

  const stats = http.createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(tunnels));
  });
  await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));

  const portOf = (server: { address(): AddressInfo | string | null }) => (server.address() as AddressInfo).port;
  return {
    httpProxy: `http://127.0.0.1:${httpProxy.port}`,
    socksProxy: `socks5://127.0.0.1:${socksProxy.address().port}`,
    hangingProxy: `http://127.0.0.1:${portOf(hanging)}`,
    statsUrl: `http://127.0.0.1:${portOf(stats)}/`,
    async stop() {
      await httpProxy.close(true);
      for (const socket of socksSockets) (socket as net.Socket & { dstSock?: net.Socket }).dstSock?.destroy();
      for (const socket of [...socksSockets, ...held]) socket.destroy();
      await Promise.all(
        [socksProxy, hanging, stats].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}
