// Group 3, reserved bits (RFC 6455 §5.2): with no extension negotiated, a frame with RSV1, RSV2 or
// RSV3 set must fail the connection with 1002 — data or control frame, whole or in chops, after a
// valid message (which is echoed) or before a ping (which is not answered).
import { expectFail, OPCODE, text, type CaseSpec } from '../case.ts';

const RSV1 = 0x40;
const RSV2 = 0x20;
const RSV3 = 0x10;

export const cases: CaseSpec[] = [
  {
    id: '3.1',
    description: 'Send a small text message with RSV1 set',
    async run(c) {
      await c.send(OPCODE.text, 'Hello, world!', { rsv: RSV1 });
      return expectFail(c, 1002);
    },
  },
  {
    id: '3.2',
    description: 'Send a text message, then one with RSV2 set, then a ping',
    async run(c) {
      await c.send(OPCODE.text, 'Hello, world!');
      await c.send(OPCODE.text, 'Hello, world!', { rsv: RSV2 });
      await c.send(OPCODE.ping, 'Hello, world!');
      return expectFail(c, 1002, { before: [text('Hello, world!')] });
    },
  },
  {
    id: '3.3',
    description: 'Send a text message, then one with RSV1|RSV2 set, then a ping, in 1-byte chops',
    async run(c) {
      const bytes = Buffer.concat([
        c.frame(OPCODE.text, 'Hello, world!'),
        c.frame(OPCODE.text, 'Hello, world!', { rsv: RSV1 | RSV2 }),
        c.frame(OPCODE.ping, 'Hello, world!'),
      ]);
      await c.writeChops(bytes, 1);
      return expectFail(c, 1002, { before: [text('Hello, world!')] });
    },
  },
  {
    id: '3.4',
    description: 'Send a text message, then one with RSV3 set, then a ping, each after a pause',
    async run(c) {
      await c.writeChops(
        Buffer.concat([
          c.frame(OPCODE.text, 'Hello, world!'),
          c.frame(OPCODE.text, 'Hello, world!', { rsv: RSV3 }),
          c.frame(OPCODE.ping, 'Hello, world!'),
        ]),
        15,
        5,
      );
      return expectFail(c, 1002, { before: [text('Hello, world!')] });
    },
  },
  {
    id: '3.5',
    description: 'Send a small binary message with RSV1|RSV3 set',
    async run(c) {
      await c.send(OPCODE.binary, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]), { rsv: RSV1 | RSV3 });
      return expectFail(c, 1002);
    },
  },
  {
    id: '3.6',
    description: 'Send a ping with RSV2|RSV3 set',
    async run(c) {
      await c.send(OPCODE.ping, Buffer.from([0, 1, 2, 3]), { rsv: RSV2 | RSV3 });
      return expectFail(c, 1002);
    },
  },
  {
    id: '3.7',
    description: 'Send a close frame with RSV1|RSV2|RSV3 set',
    async run(c) {
      await c.send(OPCODE.close, Buffer.from([0x03, 0xe8]), { rsv: RSV1 | RSV2 | RSV3 });
      return expectFail(c, 1002);
    },
  },
  {
    id: '3.8',
    description: 'Send a fragmented text message whose continuation frame has RSV1 set',
    async run(c) {
      await c.send(OPCODE.text, 'frag', { fin: false });
      await c.send(OPCODE.cont, 'ment', { rsv: RSV1 });
      return expectFail(c, 1002);
    },
  },
];
