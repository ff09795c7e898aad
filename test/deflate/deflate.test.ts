// permessage-deflate's parts on their own: the Sec-WebSocket-Extensions parser, the offer and what a
// response may agree to, the window a context-takeover stream keeps, and both compressors the package
// ships (node:zlib with a preset window for Node and Bun, pako for Deno): round trips in every mode,
// each inflating what the other deflated, the limit on inflated size, and broken data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import zlib from 'node:zlib';
import { zlibCompressor } from '../../runtimes/zlib-compressor.ts';
import { type CompressorFactory, History, InflateError } from '../../src/deflate/compressor.ts';
import {
  type DeflateAgreement,
  deflateAgreement,
  deflateOffer,
  validateDeflateOptions,
} from '../../src/deflate/negotiation.ts';
import { pakoCompressor } from '../../src/deflate/pako-compressor.ts';
import { parseExtensions } from '../../src/protocol/extension-header.ts';
import { WebSocketError } from '../../src/protocol/errors.ts';

const encoder = new TextEncoder();

describe('Sec-WebSocket-Extensions', () => {
  test('extensions, parameters with and without values, quoted values, spaces', () => {
    assert.deepEqual(
      parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10" , x-foo'),
      [
        {
          name: 'permessage-deflate',
          params: [
            ['client_max_window_bits', true],
            ['server_max_window_bits', '10'],
          ],
        },
        { name: 'x-foo', params: [] },
      ],
    );
  });
  test('malformed headers are a SyntaxError that says where', () => {
    for (const bad of ['', 'permessage-deflate;', 'a b', 'permessage-deflate; x="unterminated', 'p; x="a b"', 'p,,q']) {
      assert.throws(() => parseExtensions(bad), SyntaxError, JSON.stringify(bad));
    }
  });
});

describe('negotiation', () => {
  test('the offer for each setting', () => {
    assert.equal(deflateOffer({}), 'permessage-deflate; client_max_window_bits');
    assert.equal(deflateOffer({ clientMaxWindowBits: false }), 'permessage-deflate');
    assert.equal(
      deflateOffer({ serverMaxWindowBits: 9, clientMaxWindowBits: 10, serverNoContextTakeover: true }),
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10',
    );
  });
  test('what a valid response agrees to', () => {
    const agree = (header: string, options = {}) => deflateAgreement(parseExtensions(header), options);
    assert.deepEqual(agree('permessage-deflate'), {
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      threshold: 1024,
    });
    const a = agree(
      'permessage-deflate; server_no_context_takeover; client_max_window_bits=9; server_max_window_bits=10',
    );
    assert.equal(a.serverNoContextTakeover, true);
    assert.equal(a.clientMaxWindowBits, 9);
    assert.equal(a.serverMaxWindowBits, 10);
    // Our own client_no_context_takeover holds whether or not the server repeats it.
    assert.equal(agree('permessage-deflate', { clientNoContextTakeover: true }).clientNoContextTakeover, true);
    // A limit we asked for holds when the server does not state it.
    assert.equal(agree('permessage-deflate', { serverMaxWindowBits: 11 }).serverMaxWindowBits, 11);
  });
  test('a response that breaks RFC 7692 is ERR_HANDSHAKE naming the parameter', () => {
    for (const [header, name, options] of [
      ['permessage-deflate; bogus', 'bogus', {}],
      ['permessage-deflate; client_max_window_bits', 'client_max_window_bits', {}],
      ['permessage-deflate; client_max_window_bits=12', 'client_max_window_bits', { clientMaxWindowBits: 11 }],
      ['permessage-deflate; server_max_window_bits=08', 'server_max_window_bits', {}],
      ['permessage-deflate; server_max_window_bits=100', 'server_max_window_bits', {}],
      ['permessage-deflate; client_no_context_takeover=yes', 'client_no_context_takeover', {}],
      ['permessage-deflate; SERVER_NO_CONTEXT_TAKEOVER; server_no_context_takeover', 'server_no_context_takeover', {}],
      ['x-other', 'x-other', {}],
    ] as const) {
      assert.throws(
        () => deflateAgreement(parseExtensions(header), options),
        (e: unknown) => e instanceof WebSocketError && e.code === 'ERR_HANDSHAKE' && e.message.includes(name),
        header,
      );
    }
  });
  test('options are checked: a TypeError or RangeError naming the setting', () => {
    validateDeflateOptions(undefined);
    validateDeflateOptions(false);
    validateDeflateOptions({ serverMaxWindowBits: 8, clientMaxWindowBits: true, threshold: 0 });
    for (const bad of [
      { serverMaxWindowBits: 7 },
      { clientMaxWindowBits: 16 },
      { threshold: 1.5 },
      { serverNoContextTakeover: 1 },
      3,
    ]) {
      assert.throws(() => validateDeflateOptions(bad), /perMessageDeflate/, JSON.stringify(bad));
    }
  });
});

describe('History', () => {
  test('keeps the last bytes whatever the sizes added, as a naive copy does', () => {
    let model = new Uint8Array(0);
    const history = new History(1000);
    let x = 7;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    for (let i = 0; i < 5000; i++) {
      const data = Uint8Array.from({ length: rnd() % (i % 10 === 0 ? 3000 : 300) }, () => rnd() & 255);
      history.add(data);
      const joined = new Uint8Array(model.length + data.length);
      joined.set(model);
      joined.set(data, model.length);
      model = joined.slice(-1000);
      assert.deepEqual(history.window, model, `after add #${i}`);
    }
  });
});

const agreement = (over: Partial<DeflateAgreement> = {}): DeflateAgreement => ({
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  threshold: 0,
  ...over,
});

/** The same agreement from the other side: what one deflates as the client, the other inflates as the server's peer. */
const mirrored = (a: DeflateAgreement): DeflateAgreement => ({
  ...a,
  serverNoContextTakeover: a.clientNoContextTakeover,
  serverMaxWindowBits: a.clientMaxWindowBits,
});

const compressors: [string, CompressorFactory][] = [
  ['node:zlib with a preset window', zlibCompressor],
  ['pako', pakoCompressor],
];

function messages(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 60; i++) {
    const size = [0, 1, 20, 300, 5000, 70_000][i % 6];
    out.push(encoder.encode(`{"i":${i},"text":"${'Grüße, wörld € '.repeat(size / 16 + 1)}"}`.slice(0, size)));
  }
  return out;
}

describe('compressors', () => {
  for (const [deflaterName, deflater] of compressors) {
    for (const [inflaterName, inflater] of compressors) {
      for (const mode of [
        agreement(),
        agreement({ clientNoContextTakeover: true }),
        agreement({ clientMaxWindowBits: 9 }),
        agreement({ clientMaxWindowBits: 10, clientNoContextTakeover: true }),
      ]) {
        test(`${deflaterName} deflates, ${inflaterName} inflates: ${JSON.stringify(mode)}`, () => {
          const d = deflater(mode);
          const i = inflater(mirrored(mode));
          for (const [n, message] of messages().entries()) {
            const compressed = d.deflate(message);
            if (compressed === null) {
              // Sent uncompressed: allowed, and what an empty message after others gets from pako.
              assert.equal(message.length, 0, `message ${n} was not compressed`);
              continue;
            }
            assert.deepEqual(i.inflate(compressed, 1 << 20), message, `message ${n}`);
          }
        });
      }
    }
    test(`${deflaterName}: a 256-byte window (client_max_window_bits=8) sends uncompressed`, () => {
      assert.equal(deflater(agreement({ clientMaxWindowBits: 8 })).deflate(encoder.encode('x'.repeat(5000))), null);
    });
    test(`${deflaterName}: inflating past the limit is an InflateError (too big), broken data one (not)`, () => {
      const bomb = zlib.deflateRawSync(new Uint8Array(32 << 20), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      const c = deflater(agreement());
      assert.throws(
        () => c.inflate(bomb.subarray(0, bomb.length - 4), 1 << 20),
        (e: unknown) => e instanceof InflateError && e.tooBig,
      );
      assert.throws(
        () => deflater(agreement()).inflate(Uint8Array.of(0xff, 0xff, 0xff), 100),
        (e: unknown) => e instanceof InflateError && !e.tooBig,
      );
      // Exactly the limit passes.
      const exact = zlib.deflateRawSync(new Uint8Array(1000), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      assert.equal(deflater(agreement()).inflate(exact.subarray(0, exact.length - 4), 1000).length, 1000);
    });
  }
});
