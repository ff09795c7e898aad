// Proxies on every runtime, through real proxy servers in the parent (test/client/proxy-servers.ts):
// echo through HTTP CONNECT and SOCKS5 with credentials, plain and TLS (each counted by the proxy, so a
// connection that went around it fails), the proxy's refusals, an unreachable and a hanging proxy,
// bad options, and `proxy: 'env'` with NO_PROXY.
import type { WebSocketError } from '../../src/api.ts';
import { echoConnect, echoWebSocket, eq, fail, ok, Recorder, rejects, type Scenario } from './scenarios.ts';
import type { Env } from './scenarios.ts';

type Tunnels = { http: Record<string, number>; socks: Record<string, number> };

async function tunnels(env: Env): Promise<Tunnels> {
  return (await (await fetch(env.proxies.statsUrl)).json()) as Tunnels;
}

/** Tunnels the proxies opened to `url`'s host:port since `before`. */
function opened(before: Tunnels, after: Tunnels, kind: keyof Tunnels, url: string): number {
  const { hostname, port } = new URL(url);
  const key = `${hostname}:${port}`;
  return (after[kind][key] ?? 0) - (before[kind][key] ?? 0);
}

/** The proxy URL with the test credentials in it. */
function withCredentials(env: Env, proxy: string, user = env.proxies.user, password = env.proxies.password): string {
  const url = new URL(proxy);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.href;
}

/** An ERR_PROXY that names the proxy and never shows its credentials. */
async function proxyError(promise: Promise<unknown>, proxy: string, env: Env, what: string): Promise<WebSocketError> {
  const error = await rejects(promise, 'ERR_PROXY', what);
  const { host } = new URL(proxy);
  ok(error.message.includes(host), `${what}: the message names the proxy (${error.message})`);
  ok(!error.message.includes(env.proxies.password), `${what}: the message shows no password`);
  ok(!error.message.includes(encodeURIComponent(env.proxies.password)), `${what}: no encoded password either`);
  return error;
}

/** Sets environment variables (undefined: removes), runs `fn`, restores them. */
async function withEnvironment(env: Env, vars: Record<string, string | undefined>, fn: () => Promise<void>) {
  const names = [
    'http_proxy',
    'HTTP_PROXY',
    'https_proxy',
    'HTTPS_PROXY',
    'all_proxy',
    'ALL_PROXY',
    'no_proxy',
    'NO_PROXY',
  ];
  for (const name of names) env.setEnv(name, vars[name]);
  try {
    await fn();
  } finally {
    for (const name of names) env.setEnv(name, undefined);
  }
}

export const proxyScenarios: Scenario[] = [
  {
    name: 'proxy/http: echo through an HTTP CONNECT proxy with credentials, both APIs, plain and TLS',
    timeout: 60_000,
    async run(env) {
      const proxy = withCredentials(env, env.proxies.httpProxy);
      const before = await tunnels(env);
      await echoConnect(env, env.echoUrl, { proxy });
      await echoConnect(env, env.echoTlsUrl, { proxy, ca: env.ca });
      await echoWebSocket(env, env.echoUrl, { proxy: new URL(proxy) });
      const after = await tunnels(env);
      eq(opened(before, after, 'http', env.echoUrl), 2, 'tunnels to the plain echo server');
      eq(opened(before, after, 'http', env.echoTlsUrl), 1, 'tunnels to the TLS echo server');
    },
  },
  {
    name: 'proxy/socks5: echo through a SOCKS5 proxy with username and password, both APIs, plain and TLS',
    timeout: 60_000,
    async run(env) {
      const proxy = withCredentials(env, env.proxies.socksProxy);
      const before = await tunnels(env);
      await echoConnect(env, env.echoUrl, { proxy });
      await echoConnect(env, env.echoTlsUrl, { proxy: proxy.replace('socks5:', 'socks5h:'), ca: env.ca });
      await echoWebSocket(env, env.echoUrl, { proxy });
      const after = await tunnels(env);
      eq(opened(before, after, 'socks', env.echoUrl), 2, 'tunnels to the plain echo server');
      eq(opened(before, after, 'socks', env.echoTlsUrl), 1, 'tunnels to the TLS echo server');
    },
  },
  {
    name: 'proxy/refusals: ERR_PROXY with the status for missing or wrong credentials and a refused target; no credentials shown',
    async run(env) {
      const { httpProxy, socksProxy, blockedHost } = env.proxies;
      const rec = new Recorder();
      let e = await proxyError(
        env.connect(env.echoUrl, rec, { proxy: httpProxy }),
        httpProxy,
        env,
        'http, no credentials',
      );
      eq(e.status, 407, 'http, no credentials: status');
      const wrong = withCredentials(env, httpProxy, env.proxies.user, 'wrong');
      e = await proxyError(env.connect(env.echoUrl, rec, { proxy: wrong }), httpProxy, env, 'http, wrong password');
      eq(e.status, 407, 'http, wrong password: status');
      ok(!e.message.includes('wrong'), 'http, wrong password: not shown');
      const good = withCredentials(env, httpProxy);
      e = await proxyError(
        env.connect(`ws://${blockedHost}:80/`, rec, { proxy: good }),
        httpProxy,
        env,
        'http, refused target',
      );
      eq(e.status, 403, 'http, refused target: status');
      ok(e.message.includes(blockedHost), `http, refused target: named (${e.message})`);

      e = await proxyError(
        env.connect(env.echoUrl, rec, { proxy: socksProxy }),
        socksProxy,
        env,
        'socks, no credentials',
      );
      const badSocks = withCredentials(env, socksProxy, env.proxies.user, 'wrong');
      e = await proxyError(
        env.connect(env.echoUrl, rec, { proxy: badSocks }),
        socksProxy,
        env,
        'socks, wrong password',
      );
      e = await proxyError(
        env.connect(`ws://${blockedHost}:80/`, rec, { proxy: withCredentials(env, socksProxy) }),
        socksProxy,
        env,
        'socks, refused target',
      );
      eq(e.status, 2, 'socks, refused target: the SOCKS5 reply (not allowed by ruleset)');
      eq(rec.opens, 0, 'nothing opened');

      // The WebSocket class: an error event carrying ERR_PROXY, then close 1006.
      const ws = new env.WebSocket(env.echoUrl, [], { proxy: httpProxy });
      const events: string[] = [];
      await new Promise<void>((resolve) => {
        ws.onerror = (event) => events.push(`error:${(event as unknown as { error?: WebSocketError }).error?.code}`);
        ws.onclose = (event) => {
          events.push(`close:${event.code}`);
          resolve();
        };
      });
      eq(events.join(' '), 'error:ERR_PROXY close:1006', 'WebSocket events');
    },
  },
  {
    name: 'proxy/TLS through the tunnel: the certificate checked, client certificates, abort',
    async run(env) {
      const proxy = withCredentials(env, env.proxies.httpProxy);
      await rejects(env.connect(env.echoTlsUrl, new Recorder(), { proxy }), 'ERR_TLS', 'without the CA');
      const mtls = { proxy, ca: env.ca, cert: env.clientCert, key: env.clientKey };
      const rec = new Recorder();
      const conn = await env.connect(env.mtlsUrl, rec, mtls);
      const first = await rec.message(0, 5000);
      eq(new TextDecoder().decode(first.data), 'client:wasm-ws test client', 'the server saw the client certificate');
      conn.close();
      await rec.close(5000);
      // Aborted while the proxy holds the tunnel unanswered.
      const controller = new AbortController();
      const pending = env.connect(env.echoUrl, new Recorder(), {
        proxy: env.proxies.hangingProxy,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 100);
      await rejects(pending, 'ERR_ABORTED', 'aborted at the proxy');
    },
  },
  {
    name: 'proxy/unreachable and hanging proxies: ERR_PROXY naming it; ERR_HANDSHAKE_TIMEOUT, the socket closed',
    async run(env) {
      const { port } = new URL(env.refusedUrl);
      const refused = `http://127.0.0.1:${port}`;
      const e = await proxyError(env.connect(env.echoUrl, new Recorder(), { proxy: refused }), refused, env, 'refused');
      ok(/ECONNREFUSED|refused/i.test(e.message), `refused: says so (${e.message})`);
      for (const url of [env.echoUrl, env.echoTlsUrl]) {
        const started = Date.now();
        await rejects(
          env.connect(url, new Recorder(), { proxy: env.proxies.hangingProxy, handshakeTimeout: 300, ca: env.ca }),
          'ERR_HANDSHAKE_TIMEOUT',
          `hanging proxy, ${url}`,
        );
        ok(Date.now() - started < 3000, 'the timeout fired in time');
      }
      // The runner exits only when every socket is closed: a hanging proxy's socket left open fails the suite.
    },
  },
  {
    name: 'proxy/bad options: a TypeError naming the option, before anything connects',
    async run(env) {
      const cases: [unknown, RegExp][] = [
        [42, /proxy option must be/],
        ['ftp://127.0.0.1:21', /unsupported proxy scheme/],
        ['https://127.0.0.1:443', /unsupported proxy scheme/],
        ['not a url', /not a valid proxy URL/],
        ['http://127.0.0.1:8080/path', /no path/],
        [`socks5://${'u'.repeat(300)}:p@127.0.0.1:1080`, /255 bytes/],
      ];
      for (const [proxy, pattern] of cases) {
        const options = { proxy } as unknown as { proxy: string };
        try {
          await env.connect(env.echoUrl, new Recorder(), options);
          fail(`connect() with proxy ${String(proxy).slice(0, 40)} resolved`);
        } catch (error) {
          ok(error instanceof TypeError || error instanceof RangeError, `connect(): ${String(error)}`);
          ok(pattern.test(String(error)), `connect(): ${String(error)} matches ${pattern}`);
          ok(/proxy/.test(String(error)), 'names the option');
        }
        try {
          new env.WebSocket(env.echoUrl, [], options);
          fail(`new WebSocket() with proxy ${String(proxy).slice(0, 40)} did not throw`);
        } catch (error) {
          ok(pattern.test(String(error)), `new WebSocket(): ${String(error)} matches ${pattern}`);
        }
      }
    },
  },
  {
    name: 'proxy/env: http_proxy before HTTP_PROXY, HTTPS_PROXY for wss, ALL_PROXY last, NO_PROXY exempts (as undici)',
    timeout: 60_000,
    async run(env) {
      const http = withCredentials(env, env.proxies.httpProxy);
      const socks = withCredentials(env, env.proxies.socksProxy);
      const { port: beastPort } = new URL(env.beastUrl);
      const before = await tunnels(env);
      await withEnvironment(
        env,
        {
          http_proxy: http,
          HTTP_PROXY: env.proxies.hangingProxy,
          HTTPS_PROXY: socks,
          NO_PROXY: `example.com, 127.0.0.1:${beastPort}`,
        },
        async () => {
          await echoConnect(env, env.echoUrl, { proxy: 'env' });
          await echoConnect(env, env.echoTlsUrl, { proxy: 'env', ca: env.ca });
          await echoConnect(env, env.beastUrl, { proxy: 'env' });
        },
      );
      await withEnvironment(env, { ALL_PROXY: socks }, () => echoConnect(env, env.echoUrl, { proxy: 'env' }));
      await withEnvironment(env, { HTTP_PROXY: env.proxies.hangingProxy, NO_PROXY: '*' }, () =>
        echoConnect(env, env.echoUrl, { proxy: 'env', handshakeTimeout: 5000 }),
      );
      await withEnvironment(env, {}, () => echoConnect(env, env.echoUrl, { proxy: 'env' }));
      try {
        await withEnvironment(env, { HTTP_PROXY: 'ftp://127.0.0.1:1' }, () =>
          echoConnect(env, env.echoUrl, { proxy: 'env' }),
        );
        fail('a bad HTTP_PROXY was accepted');
      } catch (error) {
        ok(error instanceof TypeError && /HTTP_PROXY/.test(String(error)), `names the variable: ${String(error)}`);
      }
      const after = await tunnels(env);
      eq(opened(before, after, 'http', env.echoUrl), 1, 'ws: through http_proxy');
      eq(opened(before, after, 'socks', env.echoTlsUrl), 1, 'wss: through HTTPS_PROXY');
      eq(opened(before, after, 'socks', env.echoUrl), 1, 'ws: through ALL_PROXY');
      eq(opened(before, after, 'http', env.beastUrl) + opened(before, after, 'socks', env.beastUrl), 0, 'NO_PROXY');
    },
  },
];
