// Every payload length boundary (7-bit, 16-bit, 64-bit forms), for the builder and the parser, both roles.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Role,
  build,
  concat,
  fixedChunks,
  frame,
  incomingKey,
  makeCodec,
  parse,
  pattern,
  roles,
  variants,
} from './helpers.ts';

const LENGTHS = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20];
const KEY = Uint8Array.of(0xa1, 0x00, 0xff, 0x5c);

/** Header size and the length field the RFC prescribes (the minimal encoding, §5.2). */
function expectedHeader(len: number, masked: boolean): number[] {
  const m = masked ? 0x80 : 0;
  if (len < 126) return [m | len];
  if (len < 65536) return [m | 126, len >> 8, len & 0xff];
  return [m | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
}

for (const v of variants) {
  for (const { name, role } of roles) {
    describe(`length boundaries [${v.name}, ${name}]`, () => {
      const masked = role === Role.Client; // a client masks what it sends
      for (const len of LENGTHS) {
        test(`builder: ${len} bytes`, () => {
          const codec = makeCodec(v, { role });
          const payload = pattern(len, len + 3);
          const f = build(codec, 0x82, payload, masked ? KEY : null);
          const head = [0x82, ...expectedHeader(len, masked), ...(masked ? KEY : [])];
          assert.deepEqual(f.subarray(0, head.length), Uint8Array.from(head));
          assert.equal(f.length, head.length + len);
          // The reference builder agrees byte for byte, masking included.
          assert.deepEqual(f, frame({ opcode: 2, payload, key: masked ? KEY : null }));
        });

        test(`parser: ${len} bytes`, () => {
          const codec = makeCodec(v, { role });
          const payload = pattern(len, len + 5);
          const key = incomingKey(role, len);
          // Between two small frames, so the parser must find both ends of it.
          const before = frame({ opcode: 9, payload: pattern(3, 1), key });
          const after = frame({ opcode: 10, payload: pattern(2, 2), key });
          const s = concat([before, frame({ opcode: 2, payload, key }), after]);
          const expected = [
            { type: 'ping', payload: pattern(3, 1) },
            { type: 'data', opcode: 2, fin: true, rsv: 0, payload, msgOpcode: 2, message: payload },
            { type: 'pong', payload: pattern(2, 2) },
          ];
          assert.deepEqual(parse(codec, [s]), expected);
          // Chunked so that headers and payloads straddle chunk boundaries.
          for (const size of len > 65536 ? [65533, 100003] : [1, 3, 64]) {
            codec.reset();
            assert.deepEqual(parse(codec, fixedChunks(s, size)), expected, `chunks of ${size}`);
          }
        });
      }

      test('parser: a length written in a longer form than needed is accepted', () => {
        const codec = makeCodec(v, { role });
        const key = incomingKey(role);
        const payload = pattern(5, 9);
        const s = concat([
          frame({ opcode: 2, payload, key, lenForm: 16 }),
          frame({ opcode: 2, payload, key, lenForm: 64 }),
        ]);
        const ev = { type: 'data', opcode: 2, fin: true, rsv: 0, payload, msgOpcode: 2, message: payload };
        assert.deepEqual(parse(codec, [s]), [ev, ev]);
      });

      test('parser: a frame one byte over maxMessage fails, one at it passes', () => {
        for (const len of [125, 126, 65535, 65536]) {
          const key = incomingKey(role);
          const ok = makeCodec(v, { role, maxMessage: len });
          const f = frame({ opcode: 2, payload: pattern(len), key });
          assert.equal(parse(ok, [f]).length, 1);
          const tooSmall = makeCodec(v, { role, maxMessage: len - 1 });
          const evs = parse(tooSmall, [f]);
          assert.equal(evs.length, 1);
          assert.deepEqual({ ...evs[0], offset: 0 }, { type: 'error', code: 1009, kind: 'MESSAGE_TOO_BIG', offset: 0 });
        }
      });
    });
  }
}
