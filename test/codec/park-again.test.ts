// Parking is idempotent: a context parked again with nothing new keeps its block. After a read,
// Node's `onread` is handed the free space after a large message under way in the context's own
// block (readArea) and reads into it later; meanwhile any other context selected parks this one
// again (leave). When the message's size put `need` just under half a size class, park() traded the
// block for another of the same class on every park, so the buffer Node held was freed and handed to
// the next connection that asked for memory: its bytes and this one's overwrote each other (found by
// the server fuzzer: corrupted echoes, and a compressed message that no longer inflated, 1007).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Codec, Event, frame, pattern, variants } from './helpers.ts';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A context with `got` payload bytes of a `total`-byte binary frame, parked: its read buffer. */
function partial(codec: Codec, total: number, got: number, seed: number) {
  const payload = pattern(total, seed);
  const bytes = frame({ opcode: 2, payload });
  const header = bytes.length - total;
  codec.reset();
  let at = 0;
  while (at < header + got) {
    const n = Math.min(header + got - at, 60_000);
    codec.push(bytes.subarray(at, at + n));
    assert.equal(codec.next(), Event.NeedMore);
    at += n;
  }
  codec.park();
  return { payload, rest: bytes.subarray(at), buffer: codec.readArea() };
}

for (const v of variants) {
  describe(`parking again [${v.name}]`, () => {
    // `need` is what the frame still announces (up to 64 KiB) plus what the context holds; the windows
    // just under each class's half (65,521–65,527 and 131,057–131,063) were the ones that traded.
    const cases = [
      ...range(65_505, 65_540).map((total) => ({ total, got: 1_000 })),
      // need = got + 64 KiB (the frame announces more than that).
      ...range(131_050, 131_070).map((need) => ({ total: need + 200_000, got: need - 65_536 })),
      { total: 300_000, got: 20_000 },
    ];
    test('a context parked again keeps its block, wherever its size falls', () => {
      const codec = new Codec({ backend: v.backend, simd: v.simd });
      for (const { total, got } of cases) {
        const { buffer } = partial(codec, total, got, total);
        codec.park();
        assert.equal(codec.readArea().byteOffset, buffer.byteOffset, `a ${total}-byte frame, ${got} bytes in`);
      }
      codec.free();
    });

    test('a read under way into a block stays apart from what other contexts are given meanwhile', () => {
      for (const { total, got } of cases) {
        const a = new Codec({ backend: v.backend, simd: v.simd });
        const b = new Codec({ backend: v.backend, simd: v.simd });
        const { payload, rest, buffer } = partial(a, total, got, 1);
        const at = buffer.byteOffset;
        // Another connection's large message before a's bytes come: it selects (parks) a, and takes blocks.
        const other = pattern(total, 2);
        const otherBytes = frame({ opcode: 2, payload: other });
        b.reset();
        for (let i = 0; i < otherBytes.length - 1; i += 40_000) {
          b.push(otherBytes.subarray(i, Math.min(i + 40_000, otherBytes.length - 1)));
          assert.equal(b.next(), Event.NeedMore);
          b.park();
        }
        // a's bytes land where its buffer was when it was handed out, as Node's read does.
        const n = Math.min(rest.length, buffer.length);
        new Uint8Array(a.bytes.buffer, at, n).set(rest.subarray(0, n));
        a.receive(n);
        if (n < rest.length) {
          assert.equal(a.next(), Event.NeedMore);
          a.push(rest.subarray(n));
        }
        assert.equal(a.next(), Event.Data);
        assert.ok(a.fin);
        assert.deepEqual(a.message(), payload, `a: a ${total}-byte frame, ${got} bytes in`);
        b.push(otherBytes.subarray(otherBytes.length - 1));
        assert.equal(b.next(), Event.Data);
        assert.deepEqual(b.message(), other, `b, beside a ${total}-byte frame ${got} bytes in`);
        a.free();
        b.free();
      }
    });
  });
}
