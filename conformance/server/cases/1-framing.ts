// Group 1, framing (RFC 6455 §5.2): text and binary messages of every length form (7-bit, 16-bit,
// 64-bit lengths and their edges), whole and in small chops, and the header split at every byte; a
// 64-bit length with its most significant bit set and a masked server frame must fail with 1002 (with
// the roles swapped: an unmasked client frame).
import { binary, expectEcho, expectFail, OPCODE, text, type CaseSpec } from '../case.ts';

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

function payload(n: number, isText: boolean): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = isText ? 0x2a : (i * 7 + 0xfe) & 0xff; // '*', or every byte value
  return b;
}

function lengthCases(sub: number, isText: boolean): CaseSpec[] {
  const kind = isText ? 'text' : 'binary';
  const opcode = isText ? OPCODE.text : OPCODE.binary;
  const specs: CaseSpec[] = LENGTHS.map((n, i) => ({
    id: `1.${sub}.${i + 1}`,
    description: `Send a ${kind} message with a payload of ${n} bytes (${n < 126 ? '7-bit' : n < 65536 ? '16-bit' : '64-bit'} length)`,
    async run(c) {
      const data = payload(n, isText);
      await c.send(opcode, data);
      return expectEcho(c, [isText ? text(data) : binary(data)]);
    },
  }));
  specs.push({
    id: `1.${sub}.${LENGTHS.length + 1}`,
    description: `Send a ${kind} message with a payload of 65536 bytes in chops of 997 bytes`,
    async run(c) {
      const data = payload(65536, isText);
      await c.writeChops(c.frame(opcode, data), 997);
      return expectEcho(c, [isText ? text(data) : binary(data)]);
    },
  });
  return specs;
}

/** Frames whose header is split at every byte: each length form, written one byte at a time. */
const splitHeaders: CaseSpec[] = [5, 200, 70000].map((n, i) => ({
  id: `1.3.${i + 1}`,
  description: `Send a binary message of ${n} bytes with the header (and first payload bytes) in 1-byte chops`,
  async run(c) {
    const data = payload(n, false);
    const f = c.frame(OPCODE.binary, data);
    await c.writeChops(f.subarray(0, 14), 1);
    await c.write(f.subarray(14));
    return expectEcho(c, [binary(data)]);
  },
}));

const bad: CaseSpec[] = [
  {
    id: '1.4.1',
    description: 'Send a frame whose 64-bit length has the most significant bit set: fail with 1002 (1009: NON-STRICT)',
    async run(c) {
      await c.write(c.frame(OPCODE.binary, Buffer.alloc(16), { declaredLength: 0x8000000000000010n }));
      // 1009 (too big) is defensible for a length past 2^63: NON-STRICT.
      return expectFail(c, 1002, { tolerated: [1009] });
    },
  },
  {
    id: '1.4.2',
    description: 'Send a masked text frame (a server must not mask): fail with 1002',
    mirror: { description: 'Send an unmasked text frame (a client must mask): fail with 1002' },
    async run(c) {
      await c.send(OPCODE.text, 'Hello', { wrongMask: true });
      return expectFail(c, 1002);
    },
  },
  {
    id: '1.4.3',
    description: 'Send a valid text message, then a masked binary frame: echo the first, fail with 1002',
    mirror: { description: 'Send a valid text message, then an unmasked binary frame: echo the first, fail with 1002' },
    async run(c) {
      await c.send(OPCODE.text, 'first');
      await c.send(OPCODE.binary, Buffer.from([1, 2, 3]), { wrongMask: true });
      return expectFail(c, 1002, { before: [text('first')] });
    },
  },
];

export const cases: CaseSpec[] = [...lengthCases(1, true), ...lengthCases(2, false), ...splitHeaders, ...bad];
