// The server's handshake pieces, byte level: the request head parsed and checked (every refusal with
// its status), the 101 built, and permessage-deflate's offers accepted or declined (RFC 7692 §5, §7.1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acceptDeflate } from '../../src/deflate/server-negotiation.ts';
import { parseExtensions } from '../../src/protocol/extension-header.ts';
import { acceptFor } from '../../src/protocol/handshake.ts';
import { sha1Base64 } from '../../runtimes/sha1.ts';
import {
  MAX_REQUEST_HEAD,
  Refusal,
  checkUpgrade,
  headEnd,
  parseRequestHead,
  refusalResponse,
  switchingProtocols,
} from '../../src/server/upgrade-request.ts';
import { upgradeRequest } from './raw-client.ts';

const peer = { remoteAddress: '127.0.0.1', remotePort: 5000 };
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

function refusalOf(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  assert.fail('no refusal');
}

function judge(request: string) {
  const head = bytes(request);
  const end = headEnd(head, head.length);
  assert.ok(end > 0, 'the head is complete');
  return checkUpgrade(parseRequestHead(head.subarray(0, end)), peer);
}

describe('request head', () => {
  test('a valid request: key, path, lower-cased headers joined, offered protocols, origin, peer', () => {
    const { key, request } = judge(
      upgradeRequest('/chat?room=1', { Origin: 'https://a.example', 'Sec-WebSocket-Protocol': 'a, b' }).replace(
        '\r\n\r\n',
        '\r\nX-Twice: 1\r\nX-Twice: 2\r\n\r\n',
      ),
    );
    assert.equal(key, 'dGhlIHNhbXBsZSBub25jZQ==');
    assert.equal(request.url, '/chat?room=1');
    assert.deepEqual(request.protocols, ['a', 'b']);
    assert.equal(request.origin, 'https://a.example');
    assert.equal(request.headers['x-twice'], '1, 2');
    assert.equal(request.remotePort, 5000);
  });

  test('the end of the head is found in any chunking; not before it is complete', () => {
    const head = bytes(upgradeRequest());
    for (let n = 0; n < head.length; n++) assert.equal(headEnd(head, n), -1);
    assert.equal(headEnd(head, head.length), head.length);
  });

  test('a head over the limit is 431, whole or in pieces', () => {
    const big = bytes(upgradeRequest('/', { 'X-Big': 'a'.repeat(MAX_REQUEST_HEAD) }));
    assert.equal(refusalOf(() => headEnd(big, big.length)).status, 431);
    assert.equal(refusalOf(() => headEnd(big, MAX_REQUEST_HEAD + 1)).status, 431);
  });

  for (const [what, request, status] of [
    ['POST', upgradeRequest().replace('GET', 'POST'), 405],
    ['HTTP/1.0', upgradeRequest().replace('HTTP/1.1', 'HTTP/1.0'), 505],
    ['HTTP/2.0', upgradeRequest().replace('HTTP/1.1', 'HTTP/2.0'), 505],
    ['a space before the colon', upgradeRequest().replace('Upgrade:', 'Upgrade :'), 400],
    ['obsolete line folding', upgradeRequest().replace('Upgrade: websocket', 'Upgrade: web\r\n socket'), 400],
    ['a control character in a value', upgradeRequest('/', { 'X-A': 'a\u0001b' }), 400],
    ['two Host headers', upgradeRequest().replace('\r\n\r\n', '\r\nHost: other\r\n\r\n'), 400],
    ['no Host', upgradeRequest('/', { Host: null }), 400],
    ['Upgrade: h2c', upgradeRequest('/', { Upgrade: 'h2c' }), 426],
    ['Connection: close', upgradeRequest('/', { Connection: 'close' }), 400],
    ['no version', upgradeRequest('/', { 'Sec-WebSocket-Version': null }), 426],
    ['version 8', upgradeRequest('/', { 'Sec-WebSocket-Version': '8' }), 426],
    ['a 15-byte key', upgradeRequest('/', { 'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAA' }), 400],
    ['a key with bits past 16 bytes', upgradeRequest('/', { 'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAAAB==' }), 400],
    ['a duplicate subprotocol', upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'a, a' }), 400],
    ['an empty subprotocol', upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'a,,b' }), 400],
  ] as const) {
    test(`${what}: ${status}`, () => {
      assert.equal(refusalOf(() => judge(request)).status, status);
    });
  }

  test('"Connection: keep-alive, Upgrade" and "Upgrade: WebSocket" are accepted (token lists, any case)', () => {
    judge(upgradeRequest('/', { Connection: 'keep-alive, Upgrade', Upgrade: 'WebSocket' }));
  });
});

describe('responses', () => {
  test('the 101 and its accept key (RFC 6455 §1.3 example)', () => {
    const accept = acceptFor('dGhlIHNhbXBsZSBub25jZQ==', sha1Base64);
    assert.equal(accept, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    assert.equal(
      Buffer.from(switchingProtocols(accept, 'chat', 'permessage-deflate')).toString('latin1'),
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
    );
  });

  test('a refusal: status line, extra headers, Content-Length of the UTF-8 reason, Connection: close', () => {
    const text = Buffer.from(
      refusalResponse(new Refusal(426, 'needs 13 ✓', { 'Sec-WebSocket-Version': '13' })),
    ).toString();
    const [head, body] = text.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(head, /\r\nConnection: close\r\n/);
    assert.match(head, /\r\nSec-WebSocket-Version: 13\r\n/);
    assert.match(head, new RegExp(`\\r\\nContent-Length: ${Buffer.byteLength('needs 13 ✓')}`));
    assert.equal(body, 'needs 13 ✓');
  });
});

describe('permessage-deflate offers', () => {
  const accept = (offer: string, options = {}) => acceptDeflate(parseExtensions(offer), options);

  test('a bare offer: accepted with nothing added; full windows, context kept both ways', () => {
    const a = accept('permessage-deflate');
    assert.equal(a?.response, 'permessage-deflate');
    assert.deepEqual(
      { ...a?.agreement },
      {
        clientMaxWindowBits: 15,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 15,
        serverNoContextTakeover: false,
        threshold: 1024,
      },
    );
  });

  test("the client's limits are kept, and named from our side in the agreement", () => {
    const a = accept(
      'permessage-deflate; server_max_window_bits=10; client_max_window_bits=12; server_no_context_takeover',
    );
    assert.equal(
      a?.response,
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
    );
    // We compress: the "client" fields are ours (DeflateAgreement is named from a client's view).
    assert.equal(a?.agreement.clientMaxWindowBits, 10);
    assert.equal(a?.agreement.clientNoContextTakeover, true);
    assert.equal(a?.agreement.serverMaxWindowBits, 12);
  });

  test('our options: client_max_window_bits only where the client offered it', () => {
    assert.equal(accept('permessage-deflate', { clientMaxWindowBits: 10 }), null);
    assert.equal(
      accept('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10, clientNoContextTakeover: true })
        ?.response,
      'permessage-deflate; client_no_context_takeover; client_max_window_bits=10',
    );
  });

  for (const bad of [
    'permessage-deflate; server_max_window_bits=7',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; server_max_window_bits=010',
    'permessage-deflate; server_max_window_bits',
    'permessage-deflate; client_max_window_bits=8; client_max_window_bits=9',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; unknown',
  ]) {
    test(`declined: ${bad}`, () => {
      assert.equal(accept(bad), null);
    });
  }

  test('the first offer we can accept wins; other extensions are skipped', () => {
    const a = accept('x-other, permessage-deflate; unknown, permessage-deflate; client_max_window_bits');
    assert.equal(a?.response, 'permessage-deflate');
  });
});
