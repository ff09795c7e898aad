// ws:// and wss:// URLs as the client reads them: default ports, path and query, IPv6 literals, the
// Host header, the http(s) mapping and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEndpoint } from '../../src/protocol/url.ts';
import { WebSocketError } from '../../src/protocol/errors.ts';

test('default ports, path and query', () => {
  assert.deepEqual(parseEndpoint('ws://example.com'), {
    url: 'ws://example.com/',
    display: 'ws://example.com/',
    authorization: null,
    secure: false,
    host: 'example.com',
    port: 80,
    resource: '/',
    hostHeader: 'example.com',
  });
  const e = parseEndpoint('wss://example.com/chat/room?x=1&y=%20');
  assert.equal(e.secure, true);
  assert.equal(e.port, 443);
  assert.equal(e.resource, '/chat/room?x=1&y=%20');
  assert.equal(e.hostHeader, 'example.com');
  assert.equal(parseEndpoint('ws://example.com:8080/a').hostHeader, 'example.com:8080');
  assert.equal(parseEndpoint('wss://example.com:443/').hostHeader, 'example.com', 'a default port is left out');
});

test('IPv6 literals: connect to the bare address, keep the brackets in Host', () => {
  const e = parseEndpoint('ws://[::1]:9001/p');
  assert.equal(e.host, '::1');
  assert.equal(e.port, 9001);
  assert.equal(e.hostHeader, '[::1]:9001');
  assert.equal(parseEndpoint('wss://[2001:db8::1]/').port, 443);
});

test('http: and https: map to ws: and wss:', () => {
  assert.equal(parseEndpoint('http://example.com/').url, 'ws://example.com/');
  assert.equal(parseEndpoint('https://example.com/').secure, true);
});

test('what is refused, each with ERR_INVALID_URL and a message naming the problem', () => {
  for (const [url, words] of [
    ['not a url', 'Invalid WebSocket URL'],
    ['ftp://example.com/', 'scheme'],
    ['ws://example.com/#frag', 'fragment'],
  ] as const) {
    assert.throws(
      () => parseEndpoint(url),
      (e: unknown) => e instanceof WebSocketError && e.code === 'ERR_INVALID_URL' && e.message.includes(words),
      url,
    );
  }
});

test('userinfo: kept in url, left out of display, sent as Basic credentials (percent-decoded, UTF-8)', () => {
  const e = parseEndpoint('ws://us%20er:p%C3%A4ss@example.com/x');
  assert.equal(e.url, 'ws://us%20er:p%C3%A4ss@example.com/x');
  assert.equal(e.display, 'ws://example.com/x');
  assert.equal(e.authorization, `Basic ${Buffer.from('us er:päss').toString('base64')}`);
  assert.equal(
    parseEndpoint('ws://user@example.com/').authorization,
    `Basic ${Buffer.from('user:').toString('base64')}`,
  );
  assert.throws(
    () => parseEndpoint('ftp://user:secret@example.com/'),
    (e: Error) => !e.message.includes('secret'),
  );
});
