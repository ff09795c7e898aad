// permessage-deflate (RFC 7692) on every runtime: the offer, what a response may agree to, RFC 7692's
// own examples, echo through ws's server with compression in each of its modes, that large messages go
// compressed and small ones do not, and what a hostile peer can do with it (a decompression bomb,
// broken DEFLATE data, RSV1 where it may not be).
import { eq, fail, frame, ok, rejects, scripted, sameBytes, wire, wireUntil, withFrames } from './scenarios.ts';
import { Recorder, closeOnWire, echoConnect, echoWebSocket, type Scenario } from './scenarios.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const unhex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

/** Waits for the connection to fail with ERR_PROTOCOL and `closeCode`, and for that code on the wire. */
async function failsWith(
  env: Parameters<Scenario['run']>[0],
  frames: string,
  closeCode: number,
  what: string,
  options = {},
  params: { [k: string]: string | number } = { extensions: 'permessage-deflate' },
): Promise<void> {
  const { rec, id } = await withFrames(env, frames, options, params);
  await rec.close(5000);
  const error = rec.errors[0];
  ok(error !== undefined, `${what}: an error`);
  eq(error.code, 'ERR_PROTOCOL', `${what}: error code (${error.message})`);
  eq(error.closeCode, closeCode, `${what}: close code`);
  const r = await wireUntil(env, id, (w) => closeOnWire(w) !== undefined, `${what}: our close frame`);
  eq(closeOnWire(r)?.code, closeCode, `${what}: the close frame we sent`);
}

export const deflateScenarios: Scenario[] = [
  {
    name: 'deflate/offer: on by default with client_max_window_bits, its settings, none when off',
    async run(env) {
      const offers: [object | boolean | undefined, string | undefined][] = [
        [undefined, 'permessage-deflate; client_max_window_bits'],
        [false, undefined],
        [
          {
            serverMaxWindowBits: 10,
            clientMaxWindowBits: 12,
            serverNoContextTakeover: true,
            clientNoContextTakeover: true,
          },
          'permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
        ],
        [{ clientMaxWindowBits: false }, 'permessage-deflate'],
      ];
      for (const [option, expected] of offers) {
        const { url, id } = scripted(env, '/ws');
        const rec = new Recorder();
        const conn = await env.connect(url, rec, option === undefined ? {} : { perMessageDeflate: option });
        eq(conn.extensions, '', 'a server that declines: no extension');
        const r = await wire(env, id);
        eq(r.headers['sec-websocket-extensions'], expected, `offer for ${JSON.stringify(option)}`);
        conn.close();
        await rec.close();
      }
      for (const bad of [{ serverMaxWindowBits: 16 }, { clientMaxWindowBits: 7 }, { threshold: -1 }, 'yes']) {
        try {
          await env.connect(env.refusedUrl, new Recorder(), { perMessageDeflate: bad as object });
          fail(`perMessageDeflate ${JSON.stringify(bad)} was accepted`);
        } catch (error) {
          ok(error instanceof RangeError || error instanceof TypeError, `${JSON.stringify(bad)}: ${String(error)}`);
          ok(String(error).includes('perMessageDeflate'), `the error names the option: ${String(error)}`);
        }
      }
    },
  },
  {
    name: 'deflate/agreement: extensions reports it; a response that breaks RFC 7692 fails naming the parameter',
    async run(env) {
      for (const response of [
        'permessage-deflate',
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
        'permessage-deflate; server_max_window_bits=9; client_max_window_bits=10',
        'permessage-deflate;client_max_window_bits="15"',
      ]) {
        const { url } = scripted(env, '/ws', { extensions: response });
        const rec = new Recorder();
        const conn = await env.connect(url, rec);
        eq(conn.extensions, response, 'extensions as the server sent them');
        conn.close();
        await rec.close();
      }
      const refused: [string, string, object?][] = [
        ['permessage-deflate; foo=1', 'foo'],
        ['permessage-deflate; server_max_window_bits=16', 'server_max_window_bits'],
        ['permessage-deflate; server_max_window_bits', 'server_max_window_bits'],
        ['permessage-deflate; client_max_window_bits=7', 'client_max_window_bits'],
        ['permessage-deflate; server_no_context_takeover=1', 'server_no_context_takeover'],
        ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'server_no_context_takeover'],
        ['permessage-deflate; client_max_window_bits=10', 'client_max_window_bits', { clientMaxWindowBits: false }],
        ['permessage-deflate; server_max_window_bits=12', 'server_max_window_bits', { serverMaxWindowBits: 10 }],
        ['permessage-deflate, permessage-deflate', 'permessage-deflate'],
      ];
      for (const [response, parameter, option] of refused) {
        const { url, id } = scripted(env, '/ws', { extensions: response });
        const rec = new Recorder();
        const e = await rejects(
          env.connect(url, rec, option ? { perMessageDeflate: option } : {}),
          'ERR_HANDSHAKE',
          response,
        );
        ok(e.message.includes(parameter), `${response}: the message names ${parameter}: ${e.message}`);
        eq(rec.closed?.code, 1006, `${response}: onClose 1006`);
        await wireUntil(env, id, (r) => r.ended, `${response}: the socket was closed`);
      }
    },
  },
  {
    name: "deflate/RFC 7692's examples: a compressed message, context takeover, a stored block, fragments",
    async run(env) {
      // RFC 7692 §7.2.3.1 to §7.2.3.4, each "Hello".
      const frames =
        'c107f248cdc9c90700' + // compressed
        'c105f200110000' + // the same again, referring to the first (context takeover)
        'c10b000500faff48656c6c6f00' + // a stored (uncompressed) block
        '4103f248cd' +
        '8004c9c90700'; // compressed, in two fragments
      const { rec, conn } = await withFrames(env, frames, {}, { extensions: 'permessage-deflate' });
      await rec.until(() => rec.messages.length >= 4, 'four messages');
      for (let i = 0; i < 4; i++) {
        eq(rec.messages[i].isText, true, `message ${i}: text`);
        eq(decoder.decode(rec.messages[i].data), 'Hello', `message ${i}`);
      }
      eq(rec.errors.length, 0, `errors: ${rec.errors.map((e) => e.message).join('; ')}`);
      conn.close();
      await rec.close();
      // The same with no context takeover from the server: the second message is not valid alone.
      await failsWith(
        env,
        'c107f248cdc9c90700c105f200110000',
        1007,
        'a back-reference after server_no_context_takeover',
        {},
        {
          extensions: 'permessage-deflate; server_no_context_takeover',
        },
      );
    },
  },
  {
    name: "deflate/echo through ws's server: context takeover, none, small windows; both APIs",
    timeout: 120_000,
    async run(env) {
      for (const path of ['/takeover', '/no-takeover', '/small-window']) {
        await echoConnect(env, `${env.deflateUrl}${path}`);
        await echoWebSocket(env, `${env.deflateUrl}${path}`);
      }
    },
  },
  {
    name: 'deflate/echo through Bun.serve with permessage-deflate; both APIs',
    runtimes: ['bun'],
    timeout: 120_000,
    async run(env) {
      const url = env.echoDeflateUrl;
      if (url === null) fail('the Bun runner has no permessage-deflate echo server');
      const rec = new Recorder();
      const conn = await env.connect(url, rec);
      ok(conn.extensions.startsWith('permessage-deflate'), `Bun.serve agreed: ${JSON.stringify(conn.extensions)}`);
      conn.close();
      await rec.close();
      await echoConnect(env, url);
      await echoWebSocket(env, url);
    },
  },
  {
    name: 'deflate/large messages go compressed, small ones not; JSON-like text round-trips',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { extensions: 'permessage-deflate', echo: 1 });
      const rec = new Recorder();
      const conn = await env.connect(url, rec);
      const big = encoder.encode('{"price":123.45,"size":0.5}'.repeat(4000)); // 108 KB
      conn.send(big);
      await rec.message(0, 10_000);
      sameBytes(rec.messages[0].data, big, 'the echo of the large message');
      let r = await wireUntil(env, id, (w) => w.events.length >= 1, 'the server read the message');
      eq(r.events[0].length, big.length, 'the server inflated it to its length');
      ok(r.bytes < big.length / 10, `${big.length} bytes went as ${r.bytes} on the wire`);
      const before = r.bytes;
      const small = encoder.encode('x'.repeat(200)); // under the default threshold (1 KiB)
      conn.sendText('x'.repeat(200));
      await rec.message(1);
      r = await wireUntil(env, id, (w) => w.events.length >= 2, 'the server read the small message');
      ok(r.bytes - before >= small.length, `a 200-byte message went as ${r.bytes - before} bytes: uncompressed`);
      eq(r.events[1].text, 'x'.repeat(200), 'the small text message');
      // The threshold option: 0 compresses everything.
      conn.close();
      await rec.close();
      const { url: url0, id: id0 } = scripted(env, '/ws', { extensions: 'permessage-deflate', echo: 1 });
      const rec0 = new Recorder();
      const conn0 = await env.connect(url0, rec0, { perMessageDeflate: { threshold: 0 } });
      conn0.sendText('x'.repeat(200));
      await rec0.message(0);
      const r0 = await wireUntil(env, id0, (w) => w.events.length >= 1, 'the server read it');
      ok(r0.bytes < 100, `with threshold 0, 200 bytes went as ${r0.bytes}`);
      eq(r0.events[0].text, 'x'.repeat(200), 'the compressed text message');
      conn0.close();
      await rec0.close();
    },
  },
  {
    name: 'deflate/hostile: a bomb closes with 1009 at maxMessage; broken DEFLATE and bad UTF-8 with 1007; misplaced RSV1 with 1002',
    async run(env) {
      // 64 MiB of zeros, about 64 KB compressed, against a 1 MiB limit.
      const { rec, id } = await withFrames(
        env,
        '',
        { maxMessage: 1 << 20 },
        {
          extensions: 'permessage-deflate',
          bomb: 64 << 20,
        },
      );
      await rec.close(10_000);
      eq(rec.errors[0]?.code, 'ERR_PROTOCOL', `the bomb: ${rec.errors[0]?.message}`);
      eq(rec.errors[0]?.closeCode, 1009, 'the bomb: 1009');
      ok(/maxMessage/.test(rec.errors[0]?.message ?? ''), `the message says why: ${rec.errors[0]?.message}`);
      eq(rec.messages.length, 0, 'nothing delivered');
      const r = await wireUntil(env, id, (w) => closeOnWire(w) !== undefined, 'our close frame');
      eq(closeOnWire(r)?.code, 1009, 'the close frame we sent');
      await failsWith(env, frame(0xc2, unhex('ffffff')), 1007, 'broken DEFLATE data');
      // A stored block holding 0xff: valid DEFLATE, not valid UTF-8 as text.
      await failsWith(env, frame(0xc1, unhex('000100feffff')), 1007, 'inflated text that is not UTF-8');
      await failsWith(
        env,
        `${frame(0x41, unhex('f248cd'))}${frame(0xc0, unhex('c9c90700'))}`,
        1002,
        'RSV1 on a continuation',
      );
      await failsWith(env, frame(0xc9), 1002, 'RSV1 on a ping');
      await failsWith(
        env,
        frame(0xc1, unhex('f248cdc9c90700')),
        1002,
        'RSV1 when nothing was agreed',
        {
          perMessageDeflate: false,
        },
        {},
      );
    },
  },
];
