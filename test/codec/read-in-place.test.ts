// Reads in place: a runtime that reads into the codec's memory (Node's `onread`) is given, while a large
// message is under way, the free space after it in the context's own block instead of the shared
// area, so that the message's later reads are not copied. Several contexts of one module read in turn,
// as sockets do; between a context's park() and its next read other contexts read, memory grows, and
// (as held frames delivered by a timer) its complete frames are handled with no park, such a context
// having asked for the shared area (test/protocol/held-reads.test.ts shows why). Every message
// must arrive whole and in order, and the large ones must have been read in place. And a runtime's chunk
// that starts a large message (Bun, Deno) goes into a block of its own, not through the shared area.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../support/rng.ts';
import { Codec, Event, frame, pattern, variants } from './helpers.ts';

interface Peer {
  codec: Codec;
  stream: Uint8Array;
  at: number;
  expected: Uint8Array[];
  got: Uint8Array[];
  // Complete frames read and not yet handled: handled later without a park (a timer's delivery).
  unhandled: boolean;
}

/** Messages of every size that matters here, some fragmented, with pings between. */
function makeStream(r: Rng, seed: number): { stream: Uint8Array; expected: Uint8Array[] } {
  const parts: Uint8Array[] = [];
  const expected: Uint8Array[] = [];
  for (let m = 0; m < 30; m++) {
    const size = [10, 3000, 20_000, 70_000, 100_000, 250_000, 600_000][r.int(7)] + r.int(50);
    const data = pattern(size, seed * 100 + m);
    expected.push(data);
    const pieces = r.chance(0.3) ? 1 + r.int(4) : 1;
    let from = 0;
    for (let i = 0; i < pieces; i++) {
      const to = i === pieces - 1 ? size : from + r.int(size - from);
      parts.push(frame({ opcode: i === 0 ? 2 : 0, fin: i === pieces - 1, payload: data.subarray(from, to) }));
      if (r.chance(0.3)) parts.push(frame({ opcode: 9, payload: pattern(r.int(125), m) }));
      from = to;
    }
  }
  const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    stream.set(p, o);
    o += p.length;
  }
  return { stream, expected };
}

function handle(p: Peer): void {
  for (;;) {
    const e = p.codec.next();
    if (e === Event.NeedMore) return;
    assert.notEqual(e, Event.Error, `a protocol error: ${p.codec.errorKind}`);
    if (e === Event.Data && p.codec.fin) p.got.push(p.codec.message().slice());
  }
}

for (const v of variants) {
  describe(`reads in place [${v.name}]`, () => {
    test('a chunk handed over that starts a large message goes into a block of its own, not the shared area', () => {
      const codec = new Codec({ backend: v.backend, simd: v.simd });
      codec.reset();
      const payload = pattern(100_000, 9);
      const bytes = frame({ opcode: 2, payload });
      const area = codec.readArea(); // nothing under way: the shared area
      area.fill(0xee);
      codec.push(bytes.subarray(0, 65536));
      assert.equal(codec.next(), Event.NeedMore);
      codec.park(); // the message under way stays where the chunk was copied
      assert.ok(
        codec.shared.area.every((b) => b === 0xee),
        'the chunk was not copied into the shared area',
      );
      codec.push(bytes.subarray(65536));
      assert.equal(codec.next(), Event.Data);
      assert.deepEqual(codec.message(), payload);
      codec.free();
    });

    for (const seed of [1, 2, 3]) {
      test(`seed ${seed}: three connections reading in turn, messages up to 600 KB, memory growing`, (t) => {
        const r = new Rng(seed);
        const peers: Peer[] = [0, 1, 2].map((i) => {
          const codec = new Codec({ backend: v.backend, simd: v.simd });
          codec.reset();
          return { codec, ...makeStream(r, seed * 10 + i), at: 0, got: [], unhandled: false };
        });
        const areaAt = peers[0].codec.readArea().byteOffset; // nothing under way yet: the shared area
        // As Node does, each connection asks for its next buffer as soon as its read has been handled,
        // and reads into it when its bytes come, after the other connections' reads.
        const pending = peers.map((p) => {
          const b = p.codec.readArea();
          return { at: b.byteOffset, length: b.length };
        });
        let inPlace = 0;
        let reads = 0;
        while (peers.some((p) => p.at < p.stream.length)) {
          const i = r.int(3);
          const p = peers[i];
          if (p.at >= p.stream.length) continue;
          // Meanwhile: held frames handled by their timer (no park), memory grown by another connection.
          for (const q of peers) {
            if (q.unhandled && r.chance(0.3)) {
              handle(q);
              q.unhandled = false;
            }
          }
          if (r.chance(0.05) && p.codec.txSpace() < 16 << 20) peers[r.int(3)].codec.txGrow(p.codec.txSpace() + 65536);
          const { at, length } = pending[i];
          if (at !== areaAt) inPlace++;
          reads++;
          const n = Math.min(length, p.stream.length - p.at, 1 + r.int(70_000));
          // The runtime writes where the buffer was when it was given (after growth its view is detached).
          new Uint8Array(p.codec.bytes.buffer, at, n).set(p.stream.subarray(p.at, p.at + n));
          p.at += n;
          p.codec.receive(n);
          if (r.chance(0.2)) p.unhandled = true;
          else {
            handle(p);
            p.unhandled = false;
          }
          p.codec.park();
          // Frames left for a timer: the next read goes to the shared area (readArea's contract).
          const b = p.codec.readArea(!p.unhandled);
          pending[i] = { at: b.byteOffset, length: b.length };
        }
        for (const p of peers) {
          handle(p);
          assert.equal(p.got.length, p.expected.length, 'every message arrived');
          for (const [i, m] of p.expected.entries()) assert.deepEqual(p.got[i], m, `message ${i}`);
          p.codec.free();
        }
        t.diagnostic(`reads in place: ${inPlace} of ${reads}`);
        assert.ok(inPlace > reads / 10, `reads in place: ${inPlace} of ${reads}`);
      });
    }
  });
}
