// The fuzzing client (conformance/client/, the cases with the roles swapped) judges servers effectively:
// a crafted raw-socket server that answers correctly gets OK, and one that breaks RFC 6455 or RFC 7692 —
// a masked frame, a wrong Sec-WebSocket-Accept, a close answered but TCP left open, an echo of a frame
// it had to refuse, a permessage-deflate answer its offer does not allow — gets FAILED (or NON-STRICT
// where the RFC says SHOULD). The fuzzing client's own frames are masked, each with a fresh key.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { checkDeflateResponse } from '../../conformance/client/handshake.ts';
import { runCaseOnServer, splitCases } from '../../conformance/client/fuzzing-client.ts';
import { closePayload, frame, OPCODE, type CaseSpec } from '../../conformance/server/case.ts';
import { selectCases } from '../../conformance/server/cases/index.ts';
import { FrameReader, type PeerFrame } from '../../conformance/server/frame-reader.ts';
import { rawHttpServer, type RequestHead } from '../../conformance/server/raw-http.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const spec = (id: string): CaseSpec => {
  const [found] = selectCases('full', [id]);
  assert.ok(found, `case ${id}`);
  return found;
};

/** How a crafted server behaves once it has answered the handshake. */
interface Behaviour {
  /** The 101's Sec-WebSocket-Accept (default: the right one). */
  accept?(key: string): string;
  /** Each thing the client sent, read with ws's server-side Receiver (masks required); `socket` to answer on. */
  onFrame(socket: net.Socket, f: PeerFrame): void;
}

let behaviour: Behaviour;
const server = rawHttpServer((socket: net.Socket, head: RequestHead) => {
  const b = behaviour;
  const key = head.headers['sec-websocket-key'] ?? '';
  const accept =
    b.accept?.(key) ??
    createHash('sha1')
      .update(key + GUID)
      .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  const reader = new FrameReader((f) => b.onFrame(socket, f), 64 * 1024 * 1024);
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  socket.resume();
  if (head.rest.length > 0) reader.push(head.rest);
});
let port = 0;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
after(async () => {
  server.destroyAll();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A correct echo server: echoes messages, answers pings, fails with the reader's code, answers a close and ends TCP. */
const correct = (
  overrides: { close?: (socket: net.Socket, code: number) => void; maskEcho?: boolean } = {},
): Behaviour => ({
  onFrame(socket, f) {
    if (f.type === 'message')
      socket.write(frame(f.text ? OPCODE.text : OPCODE.binary, f.data, { mask: overrides.maskEcho }));
    else if (f.type === 'ping') socket.write(frame(OPCODE.pong, f.data));
    else if (f.type === 'close') {
      if (overrides.close) overrides.close(socket, f.code);
      else socket.end(frame(OPCODE.close, f.code === 1005 ? Buffer.alloc(0) : closePayload(f.code)));
    } else if (f.type === 'error') socket.end(frame(OPCODE.close, closePayload(f.closeCode)));
  },
});

describe('the fuzzing client judges crafted servers', () => {
  test('a correct echo server: OK (the client frames it reads are masked, or its reader would fail them)', async () => {
    behaviour = correct();
    for (const id of ['1.1.3', '1.2.8', '2.10', '5.2.7', '7.2.3', '7.3.1']) {
      const r = await runCaseOnServer(spec(id), '127.0.0.1', port);
      assert.equal(r.verdict, 'OK', `${id}: ${r.reason}`);
    }
  });

  test('a server that masks its echo: FAILED (WS_ERR_UNEXPECTED_MASK)', async () => {
    behaviour = correct({ maskEcho: true });
    const r = await runCaseOnServer(spec('1.1.2'), '127.0.0.1', port);
    assert.equal(r.verdict, 'FAILED', r.reason);
    assert.match(r.reason, /malformed frame \(WS_ERR_UNEXPECTED_MASK/);
  });

  test('a wrong Sec-WebSocket-Accept: FAILED in the opening handshake', async () => {
    behaviour = { ...correct(), accept: () => 'c2FtcGxlIGFjY2VwdCBrZXk=' };
    const r = await runCaseOnServer(spec('1.1.1'), '127.0.0.1', port);
    assert.equal(r.verdict, 'FAILED', r.reason);
    assert.match(r.reason, /^opening handshake: .*Sec-WebSocket-Accept/);
  });

  test('a close answered but TCP left open: NON-STRICT (the server closes first, RFC 6455 §7.1.1)', async () => {
    behaviour = correct({ close: (socket, code) => socket.write(frame(OPCODE.close, closePayload(code))) });
    const r = await runCaseOnServer(spec('7.2.3'), '127.0.0.1', port);
    assert.equal(r.verdict, 'NON-STRICT', r.reason);
    assert.match(r.reason, /did not close TCP/);
  });

  test('a close answered with another code: FAILED', async () => {
    behaviour = correct({ close: (socket) => socket.end(frame(OPCODE.close, closePayload(1001))) });
    const r = await runCaseOnServer(spec('7.3.4'), '127.0.0.1', port);
    assert.equal(r.verdict, 'FAILED', r.reason);
    assert.match(r.reason, /wrong close code 1001/);
  });

  test('1.4.2 with the roles swapped: the client sends an unmasked frame, which a server must refuse with 1002', async () => {
    const mirror = spec('1.4.2');
    assert.match(mirror.mirror?.description ?? '', /unmasked/);
    behaviour = correct();
    const refused = await runCaseOnServer(mirror, '127.0.0.1', port);
    assert.equal(refused.verdict, 'OK', refused.reason);
    assert.equal(refused.clientCloseCode, 1002);
    assert.match(refused.description, /unmasked text frame \(a client must mask\)/);
    // A server that reads the unmasked frame as a message and echoes it.
    behaviour = {
      onFrame(socket, f) {
        if (f.type === 'error' && f.kind === 'WS_ERR_EXPECTED_MASK') socket.write(frame(OPCODE.text, 'Hello'));
      },
    };
    const echoed = await runCaseOnServer(mirror, '127.0.0.1', port);
    assert.equal(echoed.verdict, 'FAILED', echoed.reason);
    assert.match(echoed.reason, /echoed a message it should have refused/);
  });

  test("the client's frames are masked with a fresh key each", () => {
    const a = frame(OPCODE.text, 'same payload', { role: 'client' });
    const b = frame(OPCODE.text, 'same payload', { role: 'client' });
    assert.equal(a[1] & 0x80, 0x80);
    assert.notDeepEqual(a.subarray(2, 6), b.subarray(2, 6));
    assert.equal(frame(OPCODE.text, 'x', { role: 'client', wrongMask: true })[1] & 0x80, 0, 'wrongMask: unmasked');
    assert.equal(frame(OPCODE.text, 'x', { wrongMask: true })[1] & 0x80, 0x80, 'wrongMask in the server role: masked');
  });

  test('no case is skipped without a reason', () => {
    for (const s of splitCases(selectCases('full')).skipped) assert.ok(s.reason.length > 10, s.id);
  });
});

describe('permessage-deflate answers the offer allows (RFC 7692 §7.1)', () => {
  const offer = 'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=9';
  const valid: [string, string, string][] = [
    ['declined', '', ''],
    [
      'the requested window',
      'permessage-deflate; server_max_window_bits=9',
      'permessage-deflate; server_max_window_bits=9; client_no_context_takeover',
    ],
    [
      'a smaller window, and a client window',
      'permessage-deflate; server_max_window_bits=8; client_max_window_bits=10',
      'permessage-deflate; server_max_window_bits=8; client_no_context_takeover; client_max_window_bits=10',
    ],
  ];
  for (const [name, response, agreed] of valid) {
    test(`${name}: valid`, () => assert.deepEqual(checkDeflateResponse(offer, response), { agreed }));
  }
  const invalid: [string, string, string, RegExp][] = [
    ['the requested window not confirmed', offer, 'permessage-deflate', /server_max_window_bits=9 was requested/],
    ['a larger window', offer, 'permessage-deflate; server_max_window_bits=10', /answered 10/],
    [
      'server_no_context_takeover requested, not confirmed',
      'permessage-deflate; server_no_context_takeover',
      'permessage-deflate',
      /server_no_context_takeover was requested/,
    ],
    [
      'client_max_window_bits not offered',
      'permessage-deflate',
      'permessage-deflate; client_max_window_bits=10',
      /client_max_window_bits was not offered/,
    ],
    [
      'a client window larger than offered',
      'permessage-deflate; client_max_window_bits=9',
      'permessage-deflate; client_max_window_bits=10',
      /larger than the 9 offered/,
    ],
    [
      'an unknown parameter',
      offer,
      'permessage-deflate; server_max_window_bits=9; x=1',
      /x is not a permessage-deflate/,
    ],
    ['a window out of range', offer, 'permessage-deflate; server_max_window_bits=7', /not a window size/],
    ['an extension not offered', offer, 'x-webkit-deflate-frame', /x-webkit-deflate-frame was not offered/],
    ['nothing offered', '', 'permessage-deflate', /permessage-deflate was not offered/],
  ];
  for (const [name, o, response, why] of invalid) {
    test(`${name}: refused`, () => {
      const r = checkDeflateResponse(o, response);
      assert.ok('problem' in r, `accepted: ${JSON.stringify(r)}`);
      assert.match(r.problem, why);
    });
  }
});
