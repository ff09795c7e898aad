// The conformance judge's parser (conformance/server/frame-reader.ts, ws's Receiver in the server
// role) on crafted client bytes: valid frames in any chunking come out as messages, control frames and
// the close; every way a client can break RFC 6455 comes out as an error with the close code a server
// would fail the connection with.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closePayload, frame, OPCODE, type FrameOptions } from '../../conformance/server/case.ts';
import { FrameReader, type ClientFrame } from '../../conformance/server/frame-reader.ts';

/** A client frame: masked unless `options.mask` is false. */
const client = (opcode: number, payload: Uint8Array | string = '', options: FrameOptions = {}) =>
  frame(opcode, payload, { mask: true, ...options });

function read(bytes: Buffer, chop = bytes.length, maxMessage = 1024 * 1024): ClientFrame[] {
  const frames: ClientFrame[] = [];
  const reader = new FrameReader((f) => frames.push(f), maxMessage);
  for (let at = 0; at < bytes.length; at += chop) reader.push(Buffer.from(bytes.subarray(at, at + chop)));
  return frames;
}

describe('FrameReader: valid client frames', () => {
  const bytes = Buffer.concat([
    client(OPCODE.text, 'Hello'),
    client(OPCODE.binary, Buffer.from([1, 2]), { fin: false }),
    client(OPCODE.ping, 'in between'),
    client(OPCODE.cont, Buffer.from([3]), { fin: false }),
    client(OPCODE.cont, Buffer.from([4, 5])),
    client(OPCODE.pong, 'p'),
    client(OPCODE.text, Buffer.alloc(70000, 0x2a)),
    client(OPCODE.close, closePayload(1000, 'bye')),
    client(OPCODE.text, 'after the close: ignored'),
    Buffer.from([0xff, 0xff]),
  ]);
  const expected: ClientFrame[] = [
    { type: 'message', text: true, data: Buffer.from('Hello') },
    { type: 'ping', data: Buffer.from('in between') },
    { type: 'message', text: false, data: Buffer.from([1, 2, 3, 4, 5]) },
    { type: 'pong', data: Buffer.from('p') },
    { type: 'message', text: true, data: Buffer.alloc(70000, 0x2a) },
    { type: 'close', code: 1000, reason: 'bye' },
  ];
  for (const chop of [bytes.length, 997, 1]) {
    test(`in chops of ${chop} byte(s)`, () => assert.deepEqual(read(bytes, chop), expected));
  }
  test('an empty close is code 1005', () =>
    assert.deepEqual(read(client(OPCODE.close)), [{ type: 'close', code: 1005, reason: '' }]));
});

describe('FrameReader: broken client frames', () => {
  const broken: [string, Buffer, string, number][] = [
    ['an unmasked frame', frame(OPCODE.text, 'Hello'), 'WS_ERR_EXPECTED_MASK', 1002],
    ['RSV1 without an extension', client(OPCODE.text, 'Hello', { rsv: 0x40 }), 'WS_ERR_UNEXPECTED_RSV_1', 1002],
    ['RSV2', client(OPCODE.binary, 'Hello', { rsv: 0x20 }), 'WS_ERR_UNEXPECTED_RSV_2_3', 1002],
    ['RSV3 on a close', client(OPCODE.close, closePayload(1000), { rsv: 0x10 }), 'WS_ERR_UNEXPECTED_RSV_2_3', 1002],
    ['a reserved opcode', client(3, 'x'), 'WS_ERR_INVALID_OPCODE', 1002],
    ['a continuation with no message', client(OPCODE.cont, 'x'), 'WS_ERR_INVALID_OPCODE', 1002],
    [
      'a new message inside a fragmented one',
      Buffer.concat([client(OPCODE.text, 'a', { fin: false }), client(OPCODE.text, 'b')]),
      'WS_ERR_INVALID_OPCODE',
      1002,
    ],
    ['a fragmented ping', client(OPCODE.ping, 'x', { fin: false }), 'WS_ERR_EXPECTED_FIN', 1002],
    ['a ping of 126 bytes', client(OPCODE.ping, Buffer.alloc(126)), 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002],
    [
      'a close with a 1-byte payload',
      client(OPCODE.close, Buffer.from([3])),
      'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
      1002,
    ],
    [
      'a text message with invalid UTF-8',
      client(OPCODE.text, Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80])),
      'WS_ERR_INVALID_UTF8',
      1007,
    ],
    [
      'invalid UTF-8 across fragments',
      Buffer.concat([
        client(OPCODE.text, Buffer.from([0xe2, 0x82]), { fin: false }),
        client(OPCODE.cont, Buffer.from([0x28])),
      ]),
      'WS_ERR_INVALID_UTF8',
      1007,
    ],
    [
      'a close reason with invalid UTF-8',
      client(OPCODE.close, closePayload(1000, Buffer.from([0xff]))),
      'WS_ERR_INVALID_UTF8',
      1007,
    ],
  ];
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 2999, 5000]) {
    broken.push([
      `a close with code ${code}`,
      client(OPCODE.close, closePayload(code)),
      'WS_ERR_INVALID_CLOSE_CODE',
      1002,
    ]);
  }
  for (const [name, bytes, kind, closeCode] of broken) {
    test(name, () => {
      const frames = read(
        Buffer.concat([client(OPCODE.text, 'ok before'), bytes, client(OPCODE.text, 'never read')]),
        1,
      );
      assert.deepEqual(frames[0], { type: 'message', text: true, data: Buffer.from('ok before') });
      assert.equal(frames.length, 2, `one error and nothing after it: ${JSON.stringify(frames.slice(1))}`);
      assert.deepEqual({ ...frames[1], message: undefined }, { type: 'error', kind, closeCode, message: undefined });
    });
  }
  test('a message over maxMessage, across fragments', () => {
    const bytes = Buffer.concat([
      client(OPCODE.binary, Buffer.alloc(600), { fin: false }),
      client(OPCODE.cont, Buffer.alloc(600)),
    ]);
    assert.deepEqual(
      read(bytes, bytes.length, 1000).map((f) => f.type === 'error' && [f.kind, f.closeCode]),
      [['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009]],
    );
  });
});
