// Masking (RFC 6455 §5.3): the codec's mask() against a byte-by-byte reference, at every length up to
// past the SIMD and scalar block sizes, every key offset, and continued across arbitrary splits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMask, concat, keyToInt, makeCodec, pattern, variants } from './helpers.ts';

const KEYS = [
  Uint8Array.of(0x37, 0xfa, 0x21, 0x3d),
  Uint8Array.of(0, 0, 0, 0),
  Uint8Array.of(0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(1, 0x80, 0, 0xfe),
];

for (const v of variants) {
  describe(`mask [${v.name}]`, () => {
    const codec = makeCodec(v);

    test('every length 0..300 and every key offset', () => {
      for (const key of KEYS) {
        for (let len = 0; len <= 300; len++) {
          const data = pattern(len, len + 1);
          for (let off = 0; off < 8; off++) {
            assert.deepEqual(
              codec.mask(data, keyToInt(key), off),
              applyMask(data, key, off),
              `len ${len} offset ${off}`,
            );
          }
        }
      }
    });

    test('a payload masked in pieces, each continuing at its key offset, equals one pass', () => {
      const data = pattern(5000, 9);
      const key = KEYS[0];
      const whole = applyMask(data, key);
      for (const cuts of [[1], [3, 7], [17, 64, 65, 130], [1000, 1001, 1003, 4999], [2, 4, 6, 8, 10, 12, 14, 16, 33]]) {
        const parts: Uint8Array[] = [];
        let prev = 0;
        for (const c of [...cuts, data.length]) {
          parts.push(codec.mask(data.subarray(prev, c), keyToInt(key), prev));
          prev = c;
        }
        assert.deepEqual(concat(parts), whole, `cuts ${cuts}`);
      }
    });

    test('masking twice is the identity, on 1 MiB', () => {
      const data = pattern(1 << 20, 3);
      const once = codec.mask(data, keyToInt(KEYS[3]), 1);
      assert.notDeepEqual(once, data);
      assert.deepEqual(codec.mask(once, keyToInt(KEYS[3]), 1), data);
    });
  });
}
