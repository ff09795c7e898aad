// Property tests (fast-check): random messages — random fragmentation, text and binary, control
// frames between fragments, random chunking — through our builder and our parser, and differential
// against `ws` in both directions: ws's Sender output parsed by us, our output parsed by ws's
// Receiver; and for broken input, the same close code from both.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Role,
  build,
  concat,
  feed,
  frame,
  makeCodec,
  pattern,
  roles,
  utf8,
  variants,
  type Ev,
  type FrameSpec,
} from './helpers.ts';
import { isValidCloseCode } from './model.ts';
import { wsFrame, wsReceive, type WsEvent } from './ws-ref.ts';

const RUNS = Number(process.env.RT_RUNS ?? 40);

interface Control {
  opcode: 9 | 10;
  data: Uint8Array;
}
interface Message {
  text: boolean;
  data: Uint8Array;
  cuts: number[];
  between: Control[];
}

const controlArb: fc.Arbitrary<Control> = fc.record({
  opcode: fc.constantFrom(9 as const, 10 as const),
  data: fc.uint8Array({ maxLength: 125 }),
});

const payloadArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 126, max: 70000 }).map((n) => pattern(n, n)) },
);
const textArb = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
  // Long texts, cheaply: a random piece repeated up to ~80 KB.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.integer({ min: 40, max: 4000 }))
      .map(([t, n]) => t.repeat(n)),
  },
);

const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    text: fc.constant(true),
    data: textArb.map(utf8),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
    between: fc.array(controlArb, { maxLength: 3 }),
  }),
  fc.record({
    text: fc.constant(false),
    data: payloadArb,
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
    between: fc.array(controlArb, { maxLength: 3 }),
  }),
);

const closeArb = fc.option(
  fc.record({
    code: fc.integer({ min: 1000, max: 4999 }).filter(isValidCloseCode),
    reason: fc
      .string({ unit: 'binary', maxLength: 30 })
      .map(utf8)
      .filter((r) => r.length <= 123),
  }),
);

const scenarioArb = fc.record({
  messages: fc.array(messageArb, { maxLength: 5 }),
  close: closeArb,
  keys: fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
  chunks: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface Out {
  opcode: number;
  fin: boolean;
  payload: Uint8Array;
}

/** The frames a scenario sends, in order. */
function framesOf(s: Scenario): Out[] {
  const out: Out[] = [];
  for (const m of s.messages) {
    const cuts = [...new Set(m.cuts.map((c) => c % (m.data.length + 1)))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, m.data.length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const last = i + 2 === bounds.length;
      out.push({
        opcode: i === 0 ? (m.text ? 1 : 2) : 0,
        fin: last,
        payload: m.data.subarray(bounds[i], bounds[i + 1]),
      });
      if (!last && m.between[i]) out.push({ opcode: m.between[i].opcode, fin: true, payload: m.between[i].data });
    }
  }
  if (s.close)
    out.push({
      opcode: 8,
      fin: true,
      payload: concat([Uint8Array.of(s.close.code >> 8, s.close.code & 0xff), s.close.reason]),
    });
  return out;
}

/** What our parser must report for these frames. */
function expectedEvents(frames: Out[]): Ev[] {
  const evs: Ev[] = [];
  let msg: Uint8Array[] = [];
  let msgOpcode = 0;
  for (const f of frames) {
    if (f.opcode === 9 || f.opcode === 10) evs.push({ type: f.opcode === 9 ? 'ping' : 'pong', payload: f.payload });
    else if (f.opcode === 8) evs.push({ type: 'close', code: (f.payload[0] << 8) | f.payload[1], payload: f.payload });
    else {
      if (f.opcode !== 0) {
        msg = [];
        msgOpcode = f.opcode;
      }
      msg.push(f.payload);
      evs.push({
        type: 'data',
        opcode: f.opcode,
        fin: f.fin,
        rsv: 0,
        payload: f.payload,
        msgOpcode,
        message: concat(msg),
      });
    }
  }
  return evs.map((e) => structuredClone(e));
}

/** What ws's Receiver must emit for these frames. */
function expectedWs(frames: Out[]): WsEvent[] {
  const evs: WsEvent[] = [];
  let msg: Uint8Array[] = [];
  let text = false;
  for (const f of frames) {
    if (f.opcode === 9 || f.opcode === 10)
      evs.push({ type: f.opcode === 9 ? 'ping' : 'pong', data: f.payload.slice() });
    else if (f.opcode === 8)
      evs.push({ type: 'close', code: (f.payload[0] << 8) | f.payload[1], reason: f.payload.slice(2) });
    else {
      if (f.opcode !== 0) {
        msg = [];
        text = f.opcode === 1;
      }
      msg.push(f.payload);
      if (f.fin) evs.push({ type: text ? 'text' : 'binary', data: concat(msg) });
    }
  }
  return evs;
}

function chunked(data: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0, i = 0; o < data.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(data.subarray(o, o + n));
    o += n;
  }
  return out;
}

const b0Of = (f: Out) => (f.fin ? 0x80 : 0) | f.opcode;

for (const v of variants) {
  for (const { name, role } of roles) {
    // Frames this role receives are built by the other side: masked when a server receives them.
    const senderRole = role === Role.Server ? Role.Client : Role.Server;
    const masked = role === Role.Server;
    describe(`round trips [${v.name}, ${name} parses]`, () => {
      const parser = makeCodec(v, { role });
      const builder = makeCodec(v, { role: senderRole });

      test('our builder → our parser', () => {
        fc.assert(
          fc.property(scenarioArb, (s) => {
            const frames = framesOf(s);
            const wire = concat(
              frames.map((f, i) => build(builder, b0Of(f), f.payload, masked ? s.keys[i % s.keys.length] : null)),
            );
            parser.reset();
            assert.deepEqual(feed(parser, chunked(wire, s.chunks)).events, expectedEvents(frames));
          }),
          { numRuns: RUNS },
        );
      });

      test('our builder → our parser, with pinned frames (the send region keeps earlier frames intact)', () => {
        fc.assert(
          fc.property(scenarioArb, (s) => {
            const frames = framesOf(s);
            // Views die when memory grows; the pinned bytes must not: keep addresses, read them at the end.
            const spans: [number, number][] = [];
            for (const [i, f] of frames.entries()) {
              const view = builder.frame(b0Of(f), f.payload, 0x01020304 * (i + 1));
              spans.push([view.byteOffset, view.length]);
              builder.pin();
            }
            const wire = concat(spans.map(([at, n]) => builder.bytes.slice(at, at + n)));
            builder.release();
            parser.reset();
            assert.deepEqual(feed(parser, chunked(wire, s.chunks)).events, expectedEvents(frames));
          }),
          { numRuns: Math.ceil(RUNS / 2) },
        );
      });

      test('ws Sender → our parser', () => {
        fc.assert(
          fc.property(scenarioArb, (s) => {
            const frames = framesOf(s);
            const wire = concat(
              frames.map((f, i) => wsFrame(f.opcode, f.fin, f.payload, masked ? s.keys[i % s.keys.length] : null)),
            );
            // Byte for byte what our builder writes with the same keys.
            const ours = concat(
              frames.map((f, i) => build(builder, b0Of(f), f.payload, masked ? s.keys[i % s.keys.length] : null)),
            );
            assert.deepEqual(ours, wire);
            parser.reset();
            assert.deepEqual(feed(parser, chunked(wire, s.chunks)).events, expectedEvents(frames));
          }),
          { numRuns: RUNS },
        );
      });

      test('our builder → ws Receiver', async () => {
        await fc.assert(
          fc.asyncProperty(scenarioArb, async (s) => {
            const frames = framesOf(s);
            const wire = concat(
              frames.map((f, i) => build(builder, b0Of(f), f.payload, masked ? s.keys[i % s.keys.length] : null)),
            );
            const r = await wsReceive(chunked(wire, s.chunks), role === Role.Server);
            assert.equal(r.code, null, `ws failed: ${r.errorCode}`);
            assert.deepEqual(r.events, expectedWs(frames));
          }),
          { numRuns: RUNS },
        );
      });

      test('broken input: the same close code from ws and from us', async () => {
        await fc.assert(
          fc.asyncProperty(
            scenarioArb,
            brokenArb(role),
            fc.uint8Array({ maxLength: 20 }),
            async (s, broken, trailer) => {
              const good = framesOf({ ...s, close: null }).map((f, i) =>
                wsFrame(f.opcode, f.fin, f.payload, masked ? s.keys[i % s.keys.length] : null),
              );
              const wire = concat([...good, ...broken.frames.map(frame), trailer]);
              const max = broken.maxMessage ?? 0;
              const r = await wsReceive(chunked(wire, s.chunks), role === Role.Server, max);
              const codec = makeCodec(v, { role, maxMessage: max || undefined });
              const evs = feed(codec, chunked(wire, s.chunks)).events;
              const err = evs.at(-1);
              assert.ok(err && err.type === 'error', `no error from us for ${broken.name}`);
              assert.equal(err.code, broken.code, broken.name);
              assert.equal(r.code, broken.code, `ws: ${r.errorCode} for ${broken.name}`);
            },
          ),
          { numRuns: RUNS },
        );
      });

      test('known divergence: a 64-bit length with its top bit set is 1002 for us (RFC 6455 §5.2), 1009 for ws', async () => {
        const f = frame({ opcode: 2, declaredLength: 1n << 63n, key: masked ? Uint8Array.of(1, 2, 3, 4) : null });
        const r = await wsReceive([f], role === Role.Server);
        assert.equal(r.code, 1009);
        const evs = feed(makeCodec(v, { role }), [f]).events;
        assert.deepEqual(
          evs.map((e) => e.type === 'error' && e.code),
          [1002],
        );
      });
    });
  }
}

interface Broken {
  name: string;
  frames: FrameSpec[];
  code: number;
  maxMessage?: number;
}

/** One broken frame (after an open message where the error needs one), with its close code. */
function brokenArb(role: Role): fc.Arbitrary<Broken> {
  const key = role === Role.Server ? Uint8Array.of(0x11, 0x22, 0x33, 0x44) : null;
  const wrongKey = role === Role.Server ? null : Uint8Array.of(9, 8, 7, 6);
  const bytesArb = fc.uint8Array({ maxLength: 40 });
  const invalidUtf8 = fc.constantFrom(
    Uint8Array.of(0x80),
    Uint8Array.of(0xc0, 0xaf),
    Uint8Array.of(0xed, 0xa0, 0x80),
    Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
    Uint8Array.of(0xff),
    Uint8Array.of(0xe2, 0x82),
  );
  return fc.oneof(
    fc
      .record({ rsv: fc.constantFrom(0x40, 0x20, 0x10), op: fc.constantFrom(1, 2, 8, 9, 10), data: bytesArb })
      .map(({ rsv, op, data }) => ({
        name: `rsv ${rsv} on opcode ${op}`,
        frames: [{ opcode: op, rsv, payload: op >= 8 ? new Uint8Array(0) : data, key }],
        code: 1002,
      })),
    fc.record({ op: fc.constantFrom(3, 4, 5, 6, 7, 11, 12, 13, 14, 15), data: bytesArb }).map(({ op, data }) => ({
      name: `reserved opcode ${op}`,
      frames: [{ opcode: op, payload: data, key }],
      code: 1002,
    })),
    fc
      .constantFrom(8, 9, 10)
      .map((op) => ({ name: `fragmented control ${op}`, frames: [{ opcode: op, fin: false, key }], code: 1002 })),
    fc.record({ op: fc.constantFrom(8, 9, 10), n: fc.integer({ min: 126, max: 300 }) }).map(({ op, n }) => ({
      name: `control ${op} of ${n} bytes`,
      frames: [{ opcode: op, payload: new Uint8Array(n), key }],
      code: 1002,
    })),
    bytesArb.map((data) => ({
      name: 'continuation with no message',
      frames: [{ opcode: 0, payload: data, key }],
      code: 1002,
    })),
    fc.constantFrom(1, 2).map((op) => ({
      name: `opcode ${op} inside a fragmented message`,
      frames: [
        { opcode: 2, fin: false, payload: utf8('abc'), key },
        { opcode: 9, key },
        { opcode: op, key },
      ],
      code: 1002,
    })),
    bytesArb.map((data) => ({
      name: 'mask in the wrong direction',
      frames: [{ opcode: 2, payload: data, key: wrongKey }],
      code: 1002,
    })),
    fc.constant<Broken>({
      name: 'close payload of 1 byte',
      frames: [{ opcode: 8, payload: Uint8Array.of(3), key }],
      code: 1002,
    }),
    fc
      .integer({ min: 0, max: 65535 })
      .filter((c) => !isValidCloseCode(c))
      .map((c) => ({
        name: `close code ${c}`,
        frames: [{ opcode: 8, payload: Uint8Array.of(c >> 8, c & 0xff), key }],
        code: 1002,
      })),
    invalidUtf8.map((bad) => ({
      name: 'invalid close reason',
      frames: [{ opcode: 8, payload: concat([Uint8Array.of(0x03, 0xe8), utf8('why'), bad]), key }],
      code: 1007,
    })),
    fc
      .record({
        bad: invalidUtf8,
        pre: fc.string({ maxLength: 20 }),
        post: fc.string({ maxLength: 20 }),
        split: fc.boolean(),
      })
      .map(({ bad, pre, post, split }) => {
        const data = concat([utf8(pre), bad, bad.length === 2 ? new Uint8Array(0) : utf8(post)]);
        const at = split ? Math.floor(data.length / 2) : data.length;
        return {
          name: 'invalid UTF-8 in a text message',
          frames: [
            { opcode: 1, fin: !split, payload: data.subarray(0, at), key },
            ...(split
              ? [
                  { opcode: 10, key },
                  { opcode: 0, payload: data.subarray(at), key },
                ]
              : []),
          ],
          code: 1007,
        };
      }),
    fc.record({ n: fc.integer({ min: 1, max: 3 }), size: fc.integer({ min: 101, max: 1000 }) }).map(({ n, size }) => ({
      name: `a ${size}-byte message in ${n} frames over maxMessage 100`,
      maxMessage: 100,
      frames: Array.from({ length: n }, (_, i) => ({
        opcode: i === 0 ? 2 : 0,
        fin: i === n - 1,
        payload: new Uint8Array(Math.ceil(size / n)),
        key,
      })),
      code: 1009,
    })),
  );
}
