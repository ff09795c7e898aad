// Every protocol error of the issue, with its close code, its errorKind (assembly/ABI.md), the stream
// offset where it is detected, and the moment it is reported: not before the byte that reveals it
// has been fed, and as soon as it has (control frames: once the whole frame is in). Every later
// next() returns Error again.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Event,
  Role,
  concat,
  everyByte,
  feed,
  frame,
  incomingKey,
  makeCodec,
  parse,
  pattern,
  roles,
  utf8,
  variants,
  type CodecSetup,
  type FrameSpec,
} from './helpers.ts';
import { KIND, closeCodeOfKind, modelParse, type KindName } from './model.ts';

interface Case {
  name: string;
  setup?: CodecSetup;
  /** Valid frames before the broken one. */
  prefix?: FrameSpec[];
  /** The broken frame (or raw bytes). */
  bad: FrameSpec | Uint8Array;
  kind: KindName;
  /** Offset of the detecting byte within the broken frame. */
  at: number;
  /** Bytes of the broken frame needed before the error is reported (default at + 1, at least the
   *  2 bytes the parser reads a header's first byte with). */
  needs?: number;
}

function cases(role: Role): Case[] {
  const key = incomingKey(role);
  const k = key ? 4 : 0;
  const out: Case[] = [];
  const text = (fin = true) => ({ opcode: 1, fin, payload: utf8('a'), key });
  for (const rsv of [0x40, 0x20, 0x10]) {
    out.push({
      name: `RSV bit ${rsv.toString(16)} on a data frame`,
      bad: { opcode: 2, rsv, payload: utf8('x'), key },
      kind: 'RSV_SET',
      at: 0,
    });
    out.push({ name: `RSV bit ${rsv.toString(16)} on a ping`, bad: { opcode: 9, rsv, key }, kind: 'RSV_SET', at: 0 });
  }
  for (const [name, bad, first] of [
    ['RSV1 (negotiated) on a continuation frame', { opcode: 0, rsv: 0x40, payload: utf8('b'), key }, text(false)],
    ['RSV1 (negotiated) on a ping', { opcode: 9, rsv: 0x40, key }, null],
    ['RSV1 (negotiated) on a close frame', { opcode: 8, rsv: 0x40, key }, null],
  ] as const) {
    out.push({
      name,
      setup: { allowedRsv: 0x40 },
      ...(first ? { prefix: [first] } : {}),
      bad,
      kind: 'RSV_SET',
      at: 0,
    });
  }
  out.push({
    name: 'RSV2 with only RSV1 negotiated',
    setup: { allowedRsv: 0x40 },
    bad: { opcode: 2, rsv: 0x60, key },
    kind: 'RSV_SET',
    at: 0,
  });
  for (const op of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    out.push({
      name: `reserved opcode ${op}`,
      bad: { opcode: op, payload: utf8('x'), key },
      kind: 'RESERVED_OPCODE',
      at: 0,
    });
  }
  for (const op of [8, 9, 10]) {
    out.push({
      name: `control opcode ${op} with FIN clear`,
      bad: { opcode: op, fin: false, key },
      kind: 'CONTROL_FRAGMENTED',
      at: 0,
    });
    out.push({
      name: `control opcode ${op} with 126 bytes`,
      bad: { opcode: op, payload: pattern(126), key },
      kind: 'CONTROL_TOO_LONG',
      at: 1,
    });
    out.push({
      name: `control opcode ${op} with a 64-bit length`,
      bad: { opcode: op, payload: pattern(3), lenForm: 64, key },
      kind: 'CONTROL_TOO_LONG',
      at: 1,
    });
  }
  out.push({
    name: 'continuation with no message',
    bad: { opcode: 0, payload: utf8('x'), key },
    kind: 'UNEXPECTED_CONTINUATION',
    at: 0,
  });
  out.push({
    name: 'continuation after a finished message',
    prefix: [text(false), { opcode: 0, key }],
    bad: { opcode: 0, key },
    kind: 'UNEXPECTED_CONTINUATION',
    at: 0,
  });
  out.push({
    name: 'text inside a fragmented message',
    prefix: [text(false)],
    bad: text(),
    kind: 'EXPECTED_CONTINUATION',
    at: 0,
  });
  out.push({
    name: 'binary inside a fragmented message, after a ping',
    prefix: [
      { opcode: 2, fin: false, key },
      { opcode: 9, key },
    ],
    bad: { opcode: 2, key },
    kind: 'EXPECTED_CONTINUATION',
    at: 0,
  });
  for (const len of [1n << 63n, (1n << 64n) - 1n]) {
    out.push({
      name: `64-bit length ${len.toString(16)} (top bit set)`,
      bad: { opcode: 2, declaredLength: len, key },
      kind: 'LENGTH_MSB_SET',
      at: 2,
      needs: 10,
    });
  }
  if (role === Role.Client) {
    out.push({
      name: 'a masked frame to a client',
      bad: { opcode: 1, payload: utf8('x'), key: pattern(4) },
      kind: 'MASK_UNEXPECTED',
      at: 1,
    });
    out.push({
      name: 'a masked ping to a client',
      prefix: [text()],
      bad: { opcode: 9, key: pattern(4) },
      kind: 'MASK_UNEXPECTED',
      at: 1,
    });
  } else {
    out.push({
      name: 'an unmasked frame to a server',
      bad: { opcode: 1, payload: utf8('x') },
      kind: 'MASK_REQUIRED',
      at: 1,
    });
    out.push({
      name: 'an unmasked close to a server',
      prefix: [text()],
      bad: { opcode: 8 },
      kind: 'MASK_REQUIRED',
      at: 1,
    });
  }
  out.push({
    name: 'a close payload of 1 byte',
    bad: { opcode: 8, payload: Uint8Array.of(3), key },
    kind: 'CLOSE_PAYLOAD_ONE_BYTE',
    at: 2 + k,
  });
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]) {
    out.push({
      name: `close code ${code}`,
      bad: { opcode: 8, payload: Uint8Array.of(code >> 8, code & 0xff), key },
      kind: 'CLOSE_CODE_INVALID',
      at: 3 + k,
    });
  }
  out.push({
    name: 'close code 1004 with a reason: reported once the whole frame is in',
    bad: { opcode: 8, payload: concat([Uint8Array.of(0x03, 0xec), utf8('reason')]), key },
    kind: 'CLOSE_CODE_INVALID',
    at: 3 + k,
    needs: 10 + k,
  });
  for (const [label, reason] of [
    ['a lone continuation byte', [0x80]],
    ['an overlong form', [0x61, 0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ] as const) {
    const bad = reason.findIndex((b, i) =>
      i === 0 ? b >= 0x80 && b !== 0xed && b !== 0xf4 : b >= 0x90 || b === 0xc0 || (reason[0] === 0xed && b >= 0xa0),
    );
    const payload = concat([Uint8Array.of(0x03, 0xe8), Uint8Array.from(reason)]);
    out.push({
      name: `a close reason with ${label}`,
      bad: { opcode: 8, payload, key },
      kind: 'INVALID_UTF8_CLOSE_REASON',
      at: 4 + k + bad,
      needs: 2 + k + payload.length,
    });
  }
  out.push({
    name: 'a close reason ending inside a sequence',
    bad: { opcode: 8, payload: concat([Uint8Array.of(0x03, 0xe8), utf8('ab'), Uint8Array.of(0xe2, 0x82)]), key },
    kind: 'INVALID_UTF8_CLOSE_REASON',
    at: 8 + k, // one past the reason: the end of the frame
    needs: 8 + k,
  });
  out.push({
    name: 'invalid UTF-8 in a text frame',
    bad: { opcode: 1, payload: Uint8Array.of(0x41, 0xff, 0x41), key },
    kind: 'INVALID_UTF8',
    at: 3 + k,
  });
  out.push({
    name: 'invalid UTF-8 in a continuation, after a ping',
    prefix: [
      { opcode: 1, fin: false, payload: Uint8Array.of(0xe2), key },
      { opcode: 9, payload: Uint8Array.of(0xe2), key },
    ],
    bad: { opcode: 0, payload: Uint8Array.of(0x82, 0x41), key },
    kind: 'INVALID_UTF8',
    at: 3 + k,
  });
  out.push({
    name: 'a text message ending inside a sequence: reported at its end',
    prefix: [{ opcode: 1, fin: false, payload: Uint8Array.of(0x41, 0xf0, 0x9f), key }],
    bad: { opcode: 0, payload: Uint8Array.of(0x98), key },
    kind: 'INVALID_UTF8',
    at: 3 + k,
    needs: 3 + k,
  });
  out.push({
    name: 'a text message ending inside a sequence, with an empty last frame',
    prefix: [{ opcode: 1, fin: false, payload: Uint8Array.of(0xc3), key }],
    bad: { opcode: 0, key },
    kind: 'INVALID_UTF8',
    at: 2 + k,
    needs: 2 + k,
  });
  // 1009: a single frame, each length form, and a fragmented message.
  const small = { maxMessage: 100 };
  out.push({
    name: 'a 101-byte frame over maxMessage 100',
    setup: small,
    bad: { opcode: 2, payload: pattern(101), key },
    kind: 'MESSAGE_TOO_BIG',
    at: 1,
  });
  out.push({
    name: 'a 16-bit length over maxMessage 100',
    setup: small,
    bad: { opcode: 1, payload: pattern(200), key },
    kind: 'MESSAGE_TOO_BIG',
    at: 3,
  });
  out.push({
    name: 'a 64-bit length over maxMessage 100',
    setup: small,
    bad: { opcode: 2, declaredLength: 70000n, key },
    kind: 'MESSAGE_TOO_BIG',
    at: 9,
  });
  out.push({
    name: 'a 2^40-byte frame over the default maximum',
    bad: { opcode: 2, declaredLength: 1n << 40n, key },
    kind: 'MESSAGE_TOO_BIG',
    at: 9,
  });
  out.push({
    name: 'a 64 MiB + 1 frame over the default maximum',
    bad: { opcode: 2, declaredLength: (64n << 20n) + 1n, key },
    kind: 'MESSAGE_TOO_BIG',
    at: 9,
  });
  out.push({
    name: 'a fragmented message growing over maxMessage 100',
    setup: small,
    prefix: [
      { opcode: 2, fin: false, payload: pattern(60), key },
      { opcode: 10, key },
      { opcode: 0, fin: false, payload: pattern(40), key },
    ],
    bad: { opcode: 0, payload: pattern(1), key },
    kind: 'MESSAGE_TOO_BIG',
    at: 1,
  });
  return out;
}

function assertStaysFailed(codec: ReturnType<typeof makeCodec>, code: number, kind: string, offset: number): void {
  for (let i = 0; i < 3; i++) {
    assert.equal(codec.next(), Event.Error);
    assert.equal(codec.closeCode, code);
    assert.equal(codec.errorKind, kind);
    assert.equal(codec.errorOffset, offset);
  }
  codec.push(frame({ opcode: 9, key: incomingKey(Role.Server) }));
  codec.push(frame({ opcode: 9 }));
  assert.equal(codec.next(), Event.Error);
  assert.equal(codec.closeCode, code);
}

for (const v of variants) {
  for (const { name, role } of roles) {
    describe(`protocol errors [${v.name}, ${name}]`, () => {
      for (const c of cases(role)) {
        test(`${c.name}: ${closeCodeOfKind(c.kind)} ${c.kind}`, () => {
          const setup = { role, ...c.setup };
          const prefix = concat((c.prefix ?? []).map(frame));
          const bad = c.bad instanceof Uint8Array ? c.bad : frame(c.bad);
          const s = concat([prefix, bad]);
          const offset = prefix.length + c.at;
          const needs = prefix.length + (c.needs ?? Math.max(c.at + 1, 2));
          const expected = { type: 'error', code: closeCodeOfKind(c.kind), kind: c.kind, offset };
          const codec = makeCodec(v, setup);

          // Not before the revealing bytes are in ...
          const early = parse(codec, [s.subarray(0, needs - 1)]);
          assert.ok(!early.some((e) => e.type === 'error'), `reported early: ${JSON.stringify(early.at(-1))}`);
          // ... and as soon as they are, in one piece or byte by byte.
          codec.reset();
          const evs = parse(codec, [s.subarray(0, needs)]);
          assert.deepEqual(evs.at(-1), expected);
          assert.equal(evs.filter((e) => e.type === 'error').length, 1);
          codec.reset();
          const r = feed(codec, everyByte(s));
          assert.deepEqual(r.events.at(-1), expected);
          assert.equal(r.at.at(-1), needs - 1, 'reported right after the revealing byte');
          assertStaysFailed(codec, expected.code, c.kind, offset);
          assert.equal(KIND[c.kind] > 0, true);
          // The reference model says the same.
          assert.deepEqual(
            modelParse(s, { role, maxMessage: codec.maxMessage, allowedRsv: setup.allowedRsv }).events.at(-1),
            expected,
          );
        });
      }

      test('valid close codes and an empty close pass', () => {
        const key = incomingKey(role);
        const codec = makeCodec(v, { role });
        const codes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
        const frames = codes.map((code) =>
          frame({
            opcode: 8,
            payload: concat([Uint8Array.of(code >> 8, code & 0xff), utf8('é\u{fffd}\u{10ffff}')]),
            key,
          }),
        );
        for (let i = 0; i < codes.length; i++) {
          codec.reset();
          const evs = parse(codec, [frames[i]]);
          assert.equal(evs.length, 1);
          assert.equal(evs[0].type === 'close' && evs[0].code, codes[i]);
        }
        codec.reset();
        assert.deepEqual(parse(codec, [frame({ opcode: 8, key })]), [
          { type: 'close', code: 1005, payload: new Uint8Array(0) },
        ]);
      });

      test('negotiated RSV bits pass and are reported', () => {
        const key = incomingKey(role);
        const codec = makeCodec(v, { role, allowedRsv: 0x40 });
        const evs = parse(codec, [frame({ opcode: 2, rsv: 0x40, payload: utf8('z'), key })]);
        assert.equal(evs.length, 1);
        assert.equal(evs[0].type === 'data' && evs[0].rsv, 0x40);
      });

      test('a compressed (RSV1) text message is not UTF-8 checked, and reports RSV1 at its last fragment', () => {
        const key = incomingKey(role);
        const codec = makeCodec(v, { role, allowedRsv: 0x40 });
        const notUtf8 = Uint8Array.of(0xf2, 0x4c, 0x08, 0x00); // deflate output is no text
        const chunks = [
          frame({ opcode: 1, rsv: 0x40, fin: false, payload: notUtf8, key }),
          frame({ opcode: 0, payload: Uint8Array.of(0xff, 0xfe), key }),
        ];
        codec.push(concat(chunks));
        assert.equal(codec.next(), Event.Data);
        assert.equal(codec.next(), Event.Data);
        assert.equal(codec.fin, true);
        assert.equal(codec.messageRsv, 0x40);
        assert.deepEqual([...codec.message()], [0xf2, 0x4c, 0x08, 0x00, 0xff, 0xfe]);
        // The same bytes uncompressed are refused.
        codec.reset();
        const evs = parse(codec, [frame({ opcode: 1, payload: notUtf8, key })]);
        assert.equal(evs.at(-1)?.type, 'error');
      });

      test('maxMessage: a fragmented message of exactly maxMessage bytes passes', () => {
        const key = incomingKey(role);
        const codec = makeCodec(v, { role, maxMessage: 100 });
        const s = concat([
          frame({ opcode: 1, fin: false, payload: utf8('a'.repeat(60)), key }),
          frame({ opcode: 9, payload: pattern(125), key }),
          frame({ opcode: 0, payload: utf8('b'.repeat(40)), key }),
        ]);
        const evs = parse(codec, [s]);
        assert.equal(evs.length, 3);
        assert.equal(evs[2].type === 'data' && evs[2].message.length, 100);
        // The next message starts from zero again.
        assert.equal(parse(codec, [frame({ opcode: 2, payload: pattern(100), key })]).length, 1);
      });
    });
  }
}
