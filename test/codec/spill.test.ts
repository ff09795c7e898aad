// ctx_spill: a message under way leaves the codec (the client assembles large messages outside WASM
// memory, which never shrinks). Messages come out whole and unchanged however often and wherever they
// are spilled, the limits still count every byte, UTF-8 is still checked across the cut, and the
// memory a spilled message needs stays bounded by what is held, not by the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Codec,
  Event,
  concat,
  fixedChunks,
  frame,
  incomingKey,
  makeCodec,
  pattern,
  roles,
  utf8,
  variants,
} from './helpers.ts';

interface Outcome {
  messages: Uint8Array[];
  error: { code: number; kind: string } | null;
  spills: number;
}

/** Feeds `chunks`, parking after each and spilling whatever holds at least `min` bytes, as the client does. */
function feedSpilling(codec: Codec, chunks: Uint8Array[], min: number): Outcome {
  const messages: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  let spills = 0;
  for (const chunk of chunks) {
    codec.push(chunk);
    for (;;) {
      const event = codec.next();
      if (event === Event.NeedMore) break;
      if (event === Event.Error) return { messages, error: { code: codec.closeCode, kind: codec.errorKind }, spills };
      if (event === Event.Data && codec.fin) {
        messages.push(concat([...parts, codec.message()]));
        parts = [];
      }
    }
    const out = codec.spill(min);
    if (out !== null) {
      parts.push(out.slice());
      spills++;
    }
    codec.park();
  }
  return { messages, error: null, spills };
}

/** A message as `count` fragments (text or binary), for the given role. */
function fragmented(payload: Uint8Array, count: number, opcode: number, key: Uint8Array | null): Uint8Array {
  const size = Math.ceil(payload.length / count);
  return concat(
    fixedChunks(payload, size).map((piece, i, all) =>
      frame({ opcode: i === 0 ? opcode : 0, fin: i === all.length - 1, payload: piece, key }),
    ),
  );
}

for (const variant of variants) {
  for (const { name: roleName, role } of roles) {
    test(`${variant.name} ${roleName}: spilled messages come out whole, with pings between fragments`, () => {
      const key = incomingKey(role);
      const text = utf8('héllo wörld € 😀 '.repeat(9000)); // multi-byte sequences fall across every cut
      const binary = pattern(300_000, 3);
      const ping = frame({ opcode: 9, payload: utf8('p'), key });
      const wire = concat([
        fragmented(text, 7, 1, key),
        ping,
        fragmented(binary, 1, 2, key),
        fragmented(binary.subarray(0, 5000), 3, 2, key),
        fragmented(text, 1, 1, key),
      ]);
      for (const size of [1000, 4093, 65536]) {
        for (const min of [0, 1, 50_000]) {
          const codec = makeCodec(variant, { role });
          const out = feedSpilling(codec, fixedChunks(wire, size), min);
          assert.equal(out.error, null, `chunks of ${size}, spill at ${min}`);
          assert.equal(out.messages.length, 4);
          assert.deepEqual(out.messages[0], text);
          assert.deepEqual(out.messages[1], binary);
          assert.deepEqual(out.messages[2], binary.subarray(0, 5000));
          assert.deepEqual(out.messages[3], text);
          assert.ok(out.spills > 0, 'the test spilled something');
          codec.free();
        }
      }
    });

    test(`${variant.name} ${roleName}: maxMessage counts spilled bytes`, () => {
      const key = incomingKey(role);
      const max = 100_000;
      // Fragments adding up to one byte more than the limit: refused with 1009 at the fragment that crosses it.
      const wire = fragmented(pattern(max + 1, 5), 10, 2, key);
      const codec = makeCodec(variant, { role, maxMessage: max });
      const out = feedSpilling(codec, fixedChunks(wire, 8192), 0);
      assert.deepEqual(out.error, { code: 1009, kind: 'MESSAGE_TOO_BIG' });
      assert.ok(out.spills > 0);
      codec.free();
      // Exactly the limit passes.
      const exact = makeCodec(variant, { role, maxMessage: max });
      const whole = feedSpilling(exact, fixedChunks(fragmented(pattern(max, 5), 10, 2, key), 8192), 0);
      assert.equal(whole.error, null);
      assert.deepEqual(whole.messages, [pattern(max, 5)]);
      exact.free();
    });

    test(`${variant.name} ${roleName}: invalid UTF-8 across a spill is still refused with 1007`, () => {
      const key = incomingKey(role);
      const good = utf8('a'.repeat(5000));
      // A three-byte sequence cut after its first byte by the read, the spill and the next read; then broken.
      const payload = concat([good, Uint8Array.of(0xe2), Uint8Array.of(0x28, 0xa1), good]);
      const wire = frame({ opcode: 1, payload, key });
      const header = wire.length - payload.length;
      const codec = makeCodec(variant, { role });
      const out = feedSpilling(codec, [wire.subarray(0, header + 5001), wire.subarray(header + 5001)], 0);
      assert.equal(out.spills, 1);
      assert.deepEqual(out.error, { code: 1007, kind: 'INVALID_UTF8' });
      codec.free();
    });

    test(`${variant.name} ${roleName}: memory is bounded by what is held, not by spilled messages`, () => {
      const key = incomingKey(role);
      const codec = makeCodec(variant, { role });
      const memory = () => codec.wasm.memory.buffer.byteLength;
      // One 8 MiB message in 64 KiB reads, spilled above 256 KiB: the module needs a few blocks of at
      // most 512 KiB, not 8 MiB (it grows by at most 4 MiB, whatever grew it before this test).
      const message = pattern(8 << 20, 9);
      const before = memory();
      const out = feedSpilling(codec, fixedChunks(frame({ opcode: 2, payload: message, key }), 65536), 256 << 10);
      assert.equal(out.error, null);
      assert.equal(out.messages.length, 1);
      assert.ok(Buffer.compare(out.messages[0], message) === 0, 'the message came out unchanged');
      const grown = memory() - before;
      assert.ok(grown <= 4 << 20, `an 8 MiB message grew the module by ${grown} bytes`);
      codec.free();
    });
  }
}
