// A received message sent back as it is (a view of the codec's memory): the codec copies it into the
// frame itself, masked on the way for a client. The frame must be the one a copy of the same bytes
// gives, and the message's view must be left as it was, at every size around the 16 KiB from which
// that path is taken, with lengths that leave every SIMD tail, after memory has grown, and for a view
// that overlaps the send region (a stale one: built there the usual way).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Codec,
  Event,
  type Role,
  frame,
  incomingKey,
  keyToInt,
  makeCodec,
  pattern,
  roles,
  variants,
} from './helpers.ts';

const SIZES = [16 * 1024 - 1, 16 * 1024, 16 * 1024 + 3, 20_001, 65_535, 65_536, 100_000, 300_007];

/** The message `payload` received whole by `codec` (a binary frame, masked for a server). */
function receive(codec: Codec, payload: Uint8Array, role: Role) {
  codec.push(frame({ opcode: 2, payload, key: incomingKey(role) }));
  assert.equal(codec.next(), Event.Data);
  assert.ok(codec.fin);
  return codec.message();
}

for (const v of variants) {
  describe(`echo frames [${v.name}]`, () => {
    for (const { name, role } of roles) {
      test(`${name}: a received message echoed back is framed as a copy of it is`, () => {
        const codec = makeCodec(v, { role });
        const key = keyToInt(pattern(4, 11));
        for (const size of SIZES) {
          codec.reset();
          const payload = pattern(size, size);
          const view = receive(codec, payload, role);
          assert.equal(view.buffer, codec.bytes.buffer, 'the message is a view of the codec memory');
          const echoed = codec.frame(0x82, view, key).slice();
          // Building the frame may grow memory, which detaches the view: the message's bytes, viewed again.
          assert.deepEqual(codec.message(), payload, `${size} B: the received message is unchanged`);
          const copied = codec.frame(0x82, payload.slice(), key).slice();
          assert.deepEqual(echoed, copied, `${size} B: the same frame as from a copy`);
          assert.deepEqual(echoed, frame({ opcode: 2, payload, key: name === 'client' ? pattern(4, 11) : null }));
          codec.next(); // NEED_MORE
        }
      });
    }

    test('client: a message larger than the send region echoes right while building its frame grows memory', () => {
      const codec = makeCodec(v);
      const key = 0x5a5a1234;
      const size = codec.txSpace() + 100_003;
      const payload = pattern(size, 3);
      const view = receive(codec, payload, roles[0].role);
      const before = codec.bytes.length;
      const echoed = codec.frame(0x82, view, key).slice();
      assert.ok(codec.bytes.length > before, 'memory grew (the view was detached)');
      assert.deepEqual(echoed, frame({ opcode: 2, payload, key: new Uint8Array([0x34, 0x12, 0x5a, 0x5a]) }));
      codec.reset();
    });

    test('client: a view of the send region itself (a frame built before) is copied, not read as it is overwritten', () => {
      const codec = makeCodec(v);
      const payload = pattern(40_000, 5);
      // The whole frame built before, header included: the next frame's header and payload go over it.
      const stale = codec.frame(0x82, payload, 0x01020304);
      const expected = stale.slice();
      const second = codec.frame(0x82, stale, 0x0a0b0c0d).slice();
      const key = new Uint8Array([0x0d, 0x0c, 0x0b, 0x0a]);
      assert.deepEqual(second, frame({ opcode: 2, payload: expected, key }));
    });
  });
}
