// The proxy option and the tunnels on their own (src/proxy/): URL parsing, how 'env' and NO_PROXY choose
// (undici's rules), and what each tunnel writes and makes of a proxy's answers, hostile ones included,
// fed in every chunking. The same tunnels run against real proxies in the client suite.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocketError } from '../../src/protocol/errors.ts';
import { parseEndpoint } from '../../src/protocol/url.ts';
import { noProxyMatcher, parseProxy, proxyChooser, tunnelTo } from '../../src/proxy/proxy.ts';
import type { Tunnel } from '../../src/proxy/tunnel.ts';

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Runs a tunnel against a scripted proxy: each write gets the next answer, delivered in `chunk`-byte pieces. */
async function converse(
  tunnel: Tunnel,
  answers: Uint8Array[],
  chunk = Number.MAX_SAFE_INTEGER,
): Promise<{ written: Uint8Array[]; outcome: 'open' | WebSocketError }> {
  const written: Uint8Array[] = [];
  let next = 0;
  tunnel.open((bytes) => {
    written.push(bytes.slice());
    const answer = answers[next++];
    if (answer === undefined) return;
    queueMicrotask(() => {
      for (let at = 0; at < answer.length; at += chunk) tunnel.receive(answer.subarray(at, at + chunk));
    });
  });
  const outcome = await tunnel.opened.then(
    () => 'open' as const,
    (error: WebSocketError) => error,
  );
  return { written, outcome };
}

const target = parseEndpoint('wss://echo.example:8443/feed');

test('proxy URLs: schemes, default ports, decoded credentials, a display without them; bad ones are TypeErrors', () => {
  const p = parseProxy('http://us%20er:p%40ss@proxy.example', 'The proxy option');
  assert.deepEqual(p, {
    scheme: 'http',
    host: 'proxy.example',
    port: 80,
    username: 'us er',
    password: 'p@ss',
    display: 'http://proxy.example',
  });
  assert.equal(parseProxy('socks5://[::1]', 'x').host, '::1');
  assert.equal(parseProxy('socks5h://h', 'x').port, 1080);
  for (const bad of ['https://h:1', 'ftp://h', 'h:8080', '', 'http://h/p', 'http://h?q', 'socks4://h']) {
    assert.throws(
      () => parseProxy(bad, 'The proxy option'),
      (e: unknown) => e instanceof TypeError && /proxy/.test(String(e)),
    );
  }
  assert.throws(() => parseProxy(`socks5://u:${'p'.repeat(256)}@h`, 'x'), RangeError);
});

test("'env': lower case first, https_proxy for wss with http_proxy as fallback, ALL_PROXY last; a bad value names its variable", () => {
  const choose = (vars: Record<string, string>, url: string) =>
    proxyChooser('env', (name) => vars[name])?.(parseEndpoint(url))?.display ?? null;
  assert.equal(choose({ http_proxy: 'http://a:1', HTTP_PROXY: 'http://b:1' }, 'ws://t/'), 'http://a:1');
  assert.equal(choose({ HTTP_PROXY: 'http://b:1' }, 'wss://t/'), 'http://b:1');
  assert.equal(choose({ HTTP_PROXY: 'http://b:1', HTTPS_PROXY: 'socks5://s:2' }, 'wss://t/'), 'socks5://s:2');
  assert.equal(choose({ HTTPS_PROXY: 'socks5://s:2' }, 'ws://t/'), null);
  assert.equal(choose({ ALL_PROXY: 'socks5://s:2' }, 'ws://t/'), 'socks5://s:2');
  assert.equal(choose({ ALL_PROXY: 'socks5://s:2', http_proxy: 'http://a:1' }, 'ws://t/'), 'http://a:1');
  assert.equal(choose({ http_proxy: '' }, 'ws://t/'), null);
  assert.equal(choose({}, 'ws://t/'), null);
  assert.throws(() => choose({ HTTPS_PROXY: 'nonsense' }, 'ws://t/'), /HTTPS_PROXY/);
});

test('NO_PROXY: exact hosts, .suffix and *.suffix, ports, IPv6, * alone, separators (as undici)', () => {
  const m = noProxyMatcher('localhost, .internal *.corp.example 10.0.0.1:8080,[::1]');
  assert.equal(m('localhost', 80), true);
  assert.equal(m('LOCALHOST', 80), true);
  assert.equal(m('sub.localhost', 80), false);
  assert.equal(m('a.internal', 80), true);
  assert.equal(m('internal', 80), false);
  assert.equal(m('x.corp.example', 443), true);
  assert.equal(m('10.0.0.1', 8080), true);
  assert.equal(m('10.0.0.1', 8081), false);
  assert.equal(m('::1', 80), true);
  assert.equal(m('example.com', 80), false);
  assert.equal(noProxyMatcher('*')('anything', 1), true);
  assert.equal(noProxyMatcher('')('anything', 1), false);
});

test('HTTP CONNECT: the request (credentials as Basic), 2xx opens in any chunking, refusals carry the status', async () => {
  const proxy = parseProxy('http://user:p%C3%A4ss@127.0.0.1:3128', 'x');
  for (const chunk of [1, 3, 1000]) {
    const { written, outcome } = await converse(
      tunnelTo(proxy, target),
      [bytesOf('HTTP/1.1 200 Connection established\r\nX: y\r\n\r\n')],
      chunk,
    );
    assert.equal(outcome, 'open');
    const request = latin1(written[0]);
    assert.match(request, /^CONNECT echo\.example:8443 HTTP\/1\.1\r\nHost: echo\.example:8443\r\n/);
    const basic = /Proxy-Authorization: Basic (\S+)\r\n\r\n$/.exec(request)?.[1] ?? '';
    assert.equal(new TextDecoder().decode(Uint8Array.from(atob(basic), (c) => c.charCodeAt(0))), 'user:päss');
  }
  const v6 = await converse(tunnelTo(parseProxy('http://h:1', 'x'), parseEndpoint('ws://[::1]:9/')), [
    bytesOf('HTTP/1.0 200 OK\r\n\r\n'),
  ]);
  assert.match(latin1(v6.written[0]), /^CONNECT \[::1\]:9 HTTP\/1\.1\r\n/);
  assert.doesNotMatch(latin1(v6.written[0]), /Authorization/);
  const cases: [string, number, RegExp][] = [
    ['HTTP/1.1 407 Proxy Authentication Required\r\n\r\n', 407, /did not accept the credentials/],
    [
      'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nbad',
      502,
      /refused the tunnel to echo\.example:8443: 502 Bad Gateway/,
    ],
  ];
  for (const [answer, status, pattern] of cases) {
    const { outcome } = await converse(tunnelTo(proxy, target), [bytesOf(answer)], 5);
    assert.ok(outcome instanceof WebSocketError && outcome.code === 'ERR_PROXY', String(outcome));
    assert.equal(outcome.status, status);
    assert.match(outcome.message, pattern);
    assert.match(outcome.message, /^Proxy http:\/\/127\.0\.0\.1:3128 /);
    assert.doesNotMatch(outcome.message, /user|päss|p%C3/);
  }
});

test('HTTP CONNECT, hostile answers: garbage, an endless head, bytes past the answer, a close: ERR_PROXY each', async () => {
  const proxy = parseProxy('http://127.0.0.1:3128', 'x');
  const answers: [Uint8Array, RegExp][] = [
    [bytesOf('SSH-2.0-OpenSSH\r\n\r\n'), /could not be read/],
    [bytesOf(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`), /could not be read/],
    [bytesOf('HTTP/1.1 200 OK\r\n\r\nearly'), /bytes past its answer/],
  ];
  for (const [answer, pattern] of answers) {
    const { outcome } = await converse(tunnelTo(proxy, target), [answer], 4096);
    assert.ok(outcome instanceof WebSocketError && outcome.code === 'ERR_PROXY', String(outcome));
    assert.match(outcome.message, pattern);
  }
  const tunnel = tunnelTo(proxy, target);
  tunnel.open(() => {});
  tunnel.receive(bytesOf('HTTP/1.1 200'));
  tunnel.closed(new Error('ECONNRESET'));
  await assert.rejects(
    tunnel.opened,
    /closed the connection before the tunnel to echo\.example:8443 opened: ECONNRESET/,
  );
  assert.equal(tunnel.settled, true);
});

test('SOCKS5: greeting, username/password, CONNECT by name, IPv4 and IPv6; replies in any chunking', async () => {
  const proxy = parseProxy('socks5://al%C3%AFce:secret@127.0.0.1:1080', 'x');
  const ok = [Uint8Array.of(5, 2), Uint8Array.of(1, 0), Uint8Array.of(5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90)];
  for (const chunk of [1, 2, 100]) {
    const { written, outcome } = await converse(tunnelTo(proxy, target), ok, chunk);
    assert.equal(outcome, 'open');
    assert.deepEqual([...written[0]], [5, 2, 0, 2]);
    const user = new TextEncoder().encode('alïce');
    assert.deepEqual([...written[1]], [1, user.length, ...user, 6, ...new TextEncoder().encode('secret')]);
    const name = new TextEncoder().encode('echo.example');
    assert.deepEqual([...written[2]], [5, 1, 0, 3, name.length, ...name, 8443 >> 8, 8443 & 0xff]);
  }
  const open = parseProxy('socks5h://127.0.0.1:1080', 'x');
  const v4 = await converse(tunnelTo(open, parseEndpoint('ws://10.1.2.3:80/')), [Uint8Array.of(5, 0), ok[2]]);
  assert.deepEqual([...v4.written[0]], [5, 1, 0]);
  assert.deepEqual([...v4.written[1]], [5, 1, 0, 1, 10, 1, 2, 3, 0, 80]);
  const domainReply = Uint8Array.of(5, 0, 0, 3, 3, 97, 98, 99, 0, 80);
  const v6 = await converse(
    tunnelTo(open, parseEndpoint('ws://[2001:db8::ff:1]:80/')),
    [Uint8Array.of(5, 0), domainReply],
    3,
  );
  assert.equal(v6.outcome, 'open');
  assert.deepEqual(
    [...v6.written[1]],
    [5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, ...new Array(8).fill(0), 0, 0xff, 0, 1, 0, 80],
  );
});

test('SOCKS5 refusals and hostile answers: ERR_PROXY with the reply code', async () => {
  const proxy = parseProxy('socks5://u:p@127.0.0.1:1080', 'x');
  const cases: [Uint8Array[], RegExp, number | undefined][] = [
    [[Uint8Array.of(5, 0xff)], /requires credentials/, 0xff],
    [[Uint8Array.of(5, 2), Uint8Array.of(1, 1)], /did not accept the credentials/, 1],
    [[Uint8Array.of(5, 0), Uint8Array.of(5, 5)], /refused the tunnel to echo\.example:8443: connection refused/, 5],
    [[Uint8Array.of(5, 0), Uint8Array.of(5, 2, 0, 1, 0, 0, 0, 0, 0, 0)], /not allowed by ruleset/, 2],
    [[Uint8Array.of(4, 90)], /not SOCKS5/, undefined],
    [[Uint8Array.of(5, 0), Uint8Array.of(5, 0, 0, 9, 0, 0)], /address type 9/, undefined],
    [[Uint8Array.of(5, 0), Uint8Array.of(5, 0, 0, 1, 1, 2, 3, 4, 0, 80, 99)], /bytes past its answer/, undefined],
  ];
  for (const [answers, pattern, status] of cases) {
    // Bytes past the answer are seen when they come with it; later ones are the transport's (it stops reading).
    for (const chunk of pattern.source.includes('past') ? [100] : [1, 100]) {
      const { outcome } = await converse(tunnelTo(proxy, target), answers, chunk);
      assert.ok(outcome instanceof WebSocketError && outcome.code === 'ERR_PROXY', `${pattern}: ${String(outcome)}`);
      assert.match(outcome.message, pattern);
      assert.equal(outcome.status, status);
    }
  }
  const noCredentials = parseProxy('socks5://127.0.0.1:1080', 'x');
  const { outcome } = await converse(tunnelTo(noCredentials, target), [Uint8Array.of(5, 2)]);
  assert.match(String(outcome), /requires credentials/);
});
