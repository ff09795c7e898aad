// RFC 6455 §5.7: the example frames, byte for byte, built by our builder and parsed by our parser.
// A client builds masked frames and parses unmasked ones; a server the other way round.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Role, build, bytes, concat, everyByte, makeCodec, parse, utf8, variants } from './helpers.ts';

const KEY = bytes(0x37, 0xfa, 0x21, 0x3d);
const hello = utf8('Hello');

// The RFC's bytes, written out by hand.
const unmaskedHello = bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f);
const maskedHello = bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
const fragHel = bytes(0x01, 0x03, 0x48, 0x65, 0x6c);
const fragLo = bytes(0x80, 0x02, 0x6c, 0x6f);
const unmaskedPing = bytes(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f);
const maskedPong = bytes(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
const bin256 = Uint8Array.from({ length: 256 }, (_, i) => i);
const header256 = bytes(0x82, 0x7e, 0x01, 0x00);
const bin64k = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
const header64k = bytes(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0);

for (const v of variants) {
  describe(`RFC 6455 §5.7 examples [${v.name}]`, () => {
    test('builder: a client writes the masked examples', () => {
      const c = makeCodec(v, { role: Role.Client });
      assert.deepEqual(build(c, 0x81, hello, KEY), maskedHello);
      assert.deepEqual(build(c, 0x8a, hello, KEY), maskedPong);
    });

    test('builder: a server writes the unmasked examples', () => {
      const s = makeCodec(v, { role: Role.Server });
      assert.deepEqual(build(s, 0x81, hello, null), unmaskedHello);
      assert.deepEqual(build(s, 0x01, utf8('Hel'), null), fragHel);
      assert.deepEqual(build(s, 0x80, utf8('lo'), null), fragLo);
      assert.deepEqual(build(s, 0x89, hello, null), unmaskedPing);
      assert.deepEqual(build(s, 0x82, bin256, null), concat([header256, bin256]));
      assert.deepEqual(build(s, 0x82, bin64k, null), concat([header64k, bin64k]));
    });

    test('builder: the 16- and 64-bit masked forms carry the key after the length', () => {
      const c = makeCodec(v, { role: Role.Client });
      const f = build(c, 0x82, bin256, KEY);
      assert.deepEqual(f.subarray(0, 8), bytes(0x82, 0xfe, 0x01, 0x00, ...KEY));
      assert.deepEqual(c.mask(f.subarray(8), 0x3d21fa37), bin256);
      const g = build(c, 0x82, bin64k, KEY);
      assert.deepEqual(g.subarray(0, 14), bytes(0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, ...KEY));
      assert.deepEqual(c.mask(g.subarray(14), 0x3d21fa37), bin64k);
    });

    test('parser: a client reads the unmasked examples', () => {
      const c = makeCodec(v, { role: Role.Client });
      const s = concat([unmaskedHello, fragHel, unmaskedPing, fragLo, header256, bin256, header64k, bin64k]);
      const expected = [
        { type: 'data', opcode: 1, fin: true, rsv: 0, payload: hello, msgOpcode: 1, message: hello },
        { type: 'data', opcode: 1, fin: false, rsv: 0, payload: utf8('Hel'), msgOpcode: 1, message: utf8('Hel') },
        { type: 'ping', payload: hello },
        { type: 'data', opcode: 0, fin: true, rsv: 0, payload: utf8('lo'), msgOpcode: 1, message: hello },
        { type: 'data', opcode: 2, fin: true, rsv: 0, payload: bin256, msgOpcode: 2, message: bin256 },
        { type: 'data', opcode: 2, fin: true, rsv: 0, payload: bin64k, msgOpcode: 2, message: bin64k },
      ];
      assert.deepEqual(parse(c, [s]), expected);
      c.reset();
      assert.deepEqual(parse(c, everyByte(s)), expected);
    });

    test('parser: a server reads the masked examples', () => {
      const s = makeCodec(v, { role: Role.Server });
      assert.deepEqual(parse(s, [concat([maskedHello, maskedPong])]), [
        { type: 'data', opcode: 1, fin: true, rsv: 0, payload: hello, msgOpcode: 1, message: hello },
        { type: 'pong', payload: hello },
      ]);
    });

    test("parser: each role rejects the other direction's examples", () => {
      const c = makeCodec(v, { role: Role.Client });
      assert.deepEqual(parse(c, [maskedHello]), [{ type: 'error', code: 1002, kind: 'MASK_UNEXPECTED', offset: 1 }]);
      const s = makeCodec(v, { role: Role.Server });
      assert.deepEqual(parse(s, [unmaskedPing]), [{ type: 'error', code: 1002, kind: 'MASK_REQUIRED', offset: 1 }]);
    });
  });
}
