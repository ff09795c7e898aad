// One stream of several frames — fragmented text and binary messages with control frames between
// their fragments, a close at the end — parsed at every split point, every pair of split points,
// and one byte at a time: the same events every time, and the ones the reference model expects.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Event,
  concat,
  everyByte,
  incomingKey,
  makeCodec,
  parse,
  pattern,
  roles,
  splitAt,
  stream,
  utf8,
  variants,
  type Ev,
  type FrameSpec,
} from './helpers.ts';
import { modelParse } from './model.ts';

function frames(key: (i: number) => Uint8Array | null, big: boolean): FrameSpec[] {
  const k = key;
  const t1 = utf8('h€l'); // the euro sign is split across the fragment boundary below
  return [
    { opcode: 1, fin: false, payload: t1.subarray(0, 2), key: k(1) },
    { opcode: 9, payload: utf8('p'), key: k(2) },
    { opcode: 0, fin: false, payload: t1.subarray(2, 4), key: k(3) },
    { opcode: 10, payload: new Uint8Array(0), key: k(4) },
    { opcode: 0, fin: true, payload: t1.subarray(4), key: k(5) },
    { opcode: 2, fin: false, payload: pattern(big ? 300 : 3, 1), key: k(6) },
    { opcode: 9, payload: pattern(big ? 125 : 2, 2), key: k(7) },
    { opcode: 0, fin: true, payload: pattern(big ? 70000 : 1, 3), key: k(8) },
    { opcode: 2, payload: new Uint8Array(0), key: k(9) },
    { opcode: 8, payload: concat([Uint8Array.of(0x03, 0xe8), utf8('ok')]), key: k(10) },
  ];
}

function expectedEvents(big: boolean): Ev[] {
  const t1 = utf8('h€l');
  const b1 = pattern(big ? 300 : 3, 1);
  const b2 = pattern(big ? 70000 : 1, 3);
  const data = (opcode: number, fin: boolean, payload: Uint8Array, msgOpcode: number, message: Uint8Array): Ev => ({
    type: 'data',
    opcode,
    fin,
    rsv: 0,
    payload,
    msgOpcode,
    message,
  });
  return [
    data(1, false, t1.subarray(0, 2), 1, t1.subarray(0, 2)),
    { type: 'ping', payload: utf8('p') },
    data(0, false, t1.subarray(2, 4), 1, t1.subarray(0, 4)),
    { type: 'pong', payload: new Uint8Array(0) },
    data(0, true, t1.subarray(4), 1, t1),
    data(2, false, b1, 2, b1),
    { type: 'ping', payload: pattern(big ? 125 : 2, 2) },
    data(0, true, b2, 2, concat([b1, b2])),
    data(2, true, new Uint8Array(0), 2, new Uint8Array(0)),
    { type: 'close', code: 1000, payload: concat([Uint8Array.of(0x03, 0xe8), utf8('ok')]) },
  ].map((e) => structuredClone(e) as Ev);
}

for (const v of variants) {
  for (const { name, role } of roles) {
    describe(`chunking [${v.name}, ${name}]`, () => {
      const key = (i: number) => incomingKey(role, i);
      const small = stream(frames(key, false)).bytes;
      const large = stream(frames(key, true)).bytes;
      const codec = makeCodec(v, { role });

      test('whole stream: the expected events, and the model agrees', () => {
        for (const [s, big] of [
          [small, false],
          [large, true],
        ] as const) {
          codec.reset();
          const evs = parse(codec, [s]);
          assert.deepEqual(evs, expectedEvents(big));
          assert.deepEqual(modelParse(s, { role, maxMessage: 1 << 26 }).events, evs);
        }
      });

      test(`every single split point (${small.length} bytes and ${large.length} bytes, the latter near its frame edges)`, () => {
        for (const s of [small, large]) {
          codec.reset();
          const whole = parse(codec, [s]);
          // In the 70000-byte payload only every 331st point: the other ones are all alike.
          const mid = (i: number) => s === large && i > 900 && i < s.length - 200 && i % 331 !== 0;
          for (let i = 0; i <= s.length; i++) {
            if (mid(i)) continue;
            codec.reset();
            assert.deepEqual(parse(codec, splitAt(s, [i])), whole, `split at ${i}`);
          }
        }
      });

      test('every pair of split points (small stream)', () => {
        codec.reset();
        const whole = parse(codec, [small]);
        let n = 0;
        for (let i = 0; i <= small.length; i++) {
          for (let j = i; j <= small.length; j++) {
            codec.reset();
            const got = parse(codec, splitAt(small, [i, j]));
            if (got.length !== whole.length) assert.deepEqual(got, whole, `split at ${i}, ${j}`);
            for (let e = 0; e < got.length; e++) assert.deepEqual(got[e], whole[e], `split at ${i}, ${j}, event ${e}`);
            n++;
          }
        }
        assert.equal(n, ((small.length + 1) * (small.length + 2)) / 2);
      });

      test('data views stay valid until the next rxReserve (ABI.md), over a whole chunk of events', () => {
        for (const [s, big] of [
          [small, false],
          [large, true],
        ] as const) {
          codec.reset();
          codec.push(s);
          const held: { payload: Uint8Array; message: Uint8Array }[] = [];
          for (let ev = codec.next(); ev !== Event.NeedMore; ev = codec.next()) {
            assert.notEqual(ev, Event.Error);
            if (ev === Event.Data) held.push({ payload: codec.payload(), message: codec.message() });
          }
          // Control frames are left out: one between fragments lies where the next fragment is moved
          // to, so its view only lasts until the next next() (reported; ABI.md says until rxReserve).
          const data = expectedEvents(big).filter((e) => e.type === 'data');
          assert.equal(held.length, data.length);
          held.forEach((h, i) => {
            const e = data[i];
            assert.ok(e.type === 'data');
            assert.deepEqual(h.payload.slice(), e.payload, `payload ${i}`);
            assert.deepEqual(h.message.slice(), e.message, `message ${i}`);
          });
        }
      });

      test('one byte at a time, and empty chunks in between', () => {
        for (const [s, big] of [
          [small, false],
          [large, true],
        ] as const) {
          codec.reset();
          assert.deepEqual(parse(codec, everyByte(s)), expectedEvents(big));
        }
        codec.reset();
        const empty = new Uint8Array(0);
        assert.deepEqual(
          parse(
            codec,
            everyByte(small).flatMap((b) => [empty, b, empty]),
          ),
          expectedEvents(false),
        );
      });
    });
  }
}
