// Where a redirect leads (src/protocol/redirect.ts), on its own: resolution, schemes, downgrades,
// loops, the hop limit, and which headers cross to another origin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocketError } from '../../src/protocol/errors.ts';
import { redirectTarget, sameOrigin, withoutCredentials } from '../../src/protocol/redirect.ts';

const rules = { maxRedirects: 10, allowInsecureRedirect: false };
const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof WebSocketError && e.code === 'ERR_REDIRECT' && pattern.test(e.message),
  );

test('a Location resolves against the URL that answered; http(s) becomes ws(s); no fragment', () => {
  const from = 'wss://a.example/feed?x=1';
  assert.equal(redirectTarget(from, '/v2', [from], rules).href, 'wss://a.example/v2');
  assert.equal(redirectTarget(from, 'https://b.example/s#frag', [from], rules).href, 'wss://b.example/s');
  assert.equal(redirectTarget('ws://a/', 'http://c:8080/', ['ws://a/'], rules).href, 'ws://c:8080/');
});

test('a downgrade from wss to ws is refused unless allowed', () => {
  const from = 'wss://a.example/';
  refused(() => redirectTarget(from, 'ws://a.example/', [from], rules), /allowInsecureRedirect/);
  refused(() => redirectTarget(from, 'http://a.example/', [from], rules), /leaves TLS/);
  assert.equal(
    redirectTarget(from, 'ws://a.example/', [from], { ...rules, allowInsecureRedirect: true }).protocol,
    'ws:',
  );
});

test('other schemes, invalid Locations, loops and too many hops are ERR_REDIRECT', () => {
  const from = 'ws://a/';
  refused(() => redirectTarget(from, 'ftp://a/', [from], rules), /unsupported scheme/);
  refused(() => redirectTarget(from, 'http://[::1', [from], rules), /invalid Location/);
  refused(() => redirectTarget(from, '', [from], rules), /loop/);
  refused(
    () => redirectTarget('ws://b/', 'ws://a/', [from, 'ws://b/'], rules),
    /loop: ws:\/\/a\/ → ws:\/\/b\/ → ws:\/\/a\//,
  );
  const visited = ['ws://a/', 'ws://b/', 'ws://c/'];
  refused(() => redirectTarget('ws://c/', 'ws://d/', visited, { ...rules, maxRedirects: 2 }), /More than 2 redirects/);
  assert.equal(redirectTarget('ws://c/', 'ws://d/', visited, { ...rules, maxRedirects: 3 }).href, 'ws://d/');
});

test('credentials do not cross origins; the message never shows userinfo', () => {
  assert.equal(sameOrigin('ws://a:80/x', 'ws://a/y'), true);
  assert.equal(sameOrigin('ws://a/', 'wss://a/'), false);
  assert.deepEqual(withoutCredentials({ Authorization: 'x', cookie: 'y', 'X-Other': 'z' }), { 'X-Other': 'z' });
  refused(() => redirectTarget('wss://user:pw@a/', 'ws://a/', ['wss://user:pw@a/'], rules), /^(?!.*pw).*$/);
});
