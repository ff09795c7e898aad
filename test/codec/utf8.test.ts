// UTF-8 validation against TextDecoder (fatal) as the oracle: validateUtf8 on a corpus of valid and
// invalid sequences (and on random bytes), and text messages and close reasons carrying them, split
// at every byte and across frames: the same verdict every time, reported fail-fast.
//
// The fail-fast rule (assembly/parser.ts): a byte that cannot continue a valid sequence fails the
// message as soon as it is fed, with errorOffset = its stream offset. A message that ends inside a
// sequence is only known to be invalid at its end: errorOffset = the offset one past the final
// frame's last byte, reported with that frame's last byte (validateUtf8 likewise returns `len`).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  concat,
  feed,
  frame,
  hex,
  incomingKey,
  makeCodec,
  pattern,
  roles,
  stream,
  utf8,
  variants,
  type FrameSpec,
} from './helpers.ts';
import { utf8FirstInvalid } from './model.ts';

/** The oracle: -1 if TextDecoder (fatal) accepts it, else where a streaming fatal decoder throws. */
function oracle(b: Uint8Array): number {
  const whole = (() => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b);
      return true;
    } catch {
      return false;
    }
  })();
  const d = new TextDecoder('utf-8', { fatal: true });
  let at = -1;
  for (let i = 0; i < b.length && at < 0; i++) {
    try {
      d.decode(b.subarray(i, i + 1), { stream: true });
    } catch {
      at = i;
    }
  }
  if (at < 0) {
    try {
      d.decode();
    } catch {
      at = b.length;
    }
  }
  assert.equal(at < 0, whole, `streaming and whole-buffer TextDecoder disagree on ${hex(b)}`);
  return at;
}

const b = (...x: number[]) => Uint8Array.from(x);
const VALID: [string, Uint8Array][] = [
  ['empty', b()],
  ['ASCII', utf8('hello, world')],
  ['NUL and DEL', b(0x00, 0x7f)],
  ['U+0080', b(0xc2, 0x80)],
  ['U+07FF', b(0xdf, 0xbf)],
  ['U+0800', b(0xe0, 0xa0, 0x80)],
  ['U+D7FF (below the surrogates)', b(0xed, 0x9f, 0xbf)],
  ['U+E000 (above the surrogates)', b(0xee, 0x80, 0x80)],
  ['U+FDD0 (noncharacter)', b(0xef, 0xb7, 0x90)],
  ['U+FFFD (replacement character)', b(0xef, 0xbf, 0xbd)],
  ['U+FFFE (noncharacter)', b(0xef, 0xbf, 0xbe)],
  ['U+FFFF (noncharacter)', b(0xef, 0xbf, 0xbf)],
  ['U+10000', b(0xf0, 0x90, 0x80, 0x80)],
  ['U+1FFFE (noncharacter)', b(0xf0, 0x9f, 0xbf, 0xbe)],
  ['U+10FFFF (the last code point)', b(0xf4, 0x8f, 0xbf, 0xbf)],
  ['mixed text', utf8('κόσμε – 𝄞 € ☃ ü')],
];
const INVALID: [string, Uint8Array][] = [
  ['lone continuation 0x80', b(0x80)],
  ['lone continuation 0xbf', b(0xbf)],
  ['continuation after ASCII', b(0x61, 0x80, 0x62)],
  ['two-byte overlong C0 80', b(0xc0, 0x80)],
  ['two-byte overlong C1 BF', b(0xc1, 0xbf)],
  ['three-byte overlong E0 80 80', b(0xe0, 0x80, 0x80)],
  ['three-byte overlong E0 9F BF', b(0xe0, 0x9f, 0xbf)],
  ['four-byte overlong F0 80 80 80', b(0xf0, 0x80, 0x80, 0x80)],
  ['four-byte overlong F0 8F BF BF', b(0xf0, 0x8f, 0xbf, 0xbf)],
  ['surrogate U+D800', b(0xed, 0xa0, 0x80)],
  ['surrogate U+DBFF', b(0xed, 0xaf, 0xbf)],
  ['surrogate U+DC00', b(0xed, 0xb0, 0x80)],
  ['surrogate U+DFFF', b(0xed, 0xbf, 0xbf)],
  ['surrogate pair (CESU-8)', b(0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9)],
  ['U+110000 (F4 90 80 80)', b(0xf4, 0x90, 0x80, 0x80)],
  ['F4 BF BF BF', b(0xf4, 0xbf, 0xbf, 0xbf)],
  ['F5 lead', b(0xf5, 0x80, 0x80, 0x80)],
  ['F7 lead', b(0xf7, 0xbf, 0xbf, 0xbf)],
  ['F8 five-byte lead', b(0xf8, 0x88, 0x80, 0x80, 0x80)],
  ['FC six-byte lead', b(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80)],
  ['FE', b(0xfe)],
  ['FF', b(0xff)],
  ['lead then ASCII', b(0xe2, 0x28, 0xa1)],
  ['two bytes of three then ASCII', b(0xe2, 0x82, 0x28)],
  ['four-byte lead then a new lead', b(0xf0, 0x9f, 0xf0, 0x9f, 0x98, 0x80)],
  ['truncated two-byte', b(0xc3)],
  ['truncated three-byte', b(0xe2, 0x82)],
  ['truncated four-byte after 1', b(0xf0)],
  ['truncated four-byte after 3', b(0xf0, 0x9f, 0x98)],
  ['valid then truncated', concat([utf8('ü€'), b(0xf4, 0x8f)])],
];
const CORPUS = [...VALID, ...INVALID];

// With ASCII around them at every alignment, so the SIMD ASCII runs end at every lane.
function placed(e: Uint8Array, pad: number): Uint8Array {
  return concat([utf8('x'.repeat(pad)), e]);
}

for (const v of variants) {
  describe(`UTF-8 [${v.name}]`, () => {
    const codec = makeCodec(v);

    test('the corpus: the oracle and the model agree on every entry', () => {
      for (const [name, e] of VALID) assert.equal(oracle(e), -1, name);
      for (const [name, e] of INVALID) assert.notEqual(oracle(e), -1, name);
      for (const [name, e] of CORPUS) assert.equal(utf8FirstInvalid(e), oracle(e), name);
    });

    test('validateUtf8 on the corpus, at every alignment up to 70 bytes', () => {
      for (const [name, e] of CORPUS) {
        for (let pad = 0; pad <= 70; pad++) {
          const s = placed(e, pad);
          assert.equal(codec.validateUtf8(s), oracle(s), `${name} after ${pad} ASCII bytes`);
        }
        // Followed by ASCII (a truncated entry then fails at the ASCII byte).
        const t = concat([e, utf8('y'.repeat(40))]);
        assert.equal(codec.validateUtf8(t), oracle(t), `${name} followed by ASCII`);
      }
    });

    test('validateUtf8 on random bytes and random code points', () => {
      let seed = 12345;
      const rnd = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) / (1 << 24);
      };
      const leads = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
      for (let n = 0; n < 3000; n++) {
        const len = Math.floor(rnd() * 40);
        const s = new Uint8Array(len);
        for (let i = 0; i < len; i++) {
          const r = rnd();
          s[i] =
            r < 0.4
              ? 0x20 + Math.floor(rnd() * 90)
              : r < 0.75
                ? 0x80 + Math.floor(rnd() * 64)
                : r < 0.9
                  ? leads[Math.floor(rnd() * leads.length)]
                  : Math.floor(rnd() * 256);
        }
        assert.equal(codec.validateUtf8(s), oracle(s), hex(s));
      }
      // Valid text from random code points (surrogates excluded) passes.
      for (let n = 0; n < 300; n++) {
        const cps = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => {
          const cp = Math.floor(rnd() * 0x110000);
          return cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp;
        });
        assert.equal(codec.validateUtf8(utf8(String.fromCodePoint(...cps))), -1);
      }
    });

    test('validateUtf8 on long runs: ASCII, then one bad byte at every position', () => {
      const base = utf8('a'.repeat(300));
      assert.equal(codec.validateUtf8(base), -1);
      for (let i = 0; i < base.length; i++) {
        const s = base.slice();
        s[i] = 0x80 | (i & 0x3f);
        assert.equal(codec.validateUtf8(s), i);
        s[i] = 0xc3;
        assert.equal(codec.validateUtf8(s), i === base.length - 1 ? base.length : i + 1);
      }
    });

    for (const { name, role } of roles) {
      test(`text messages split across frames and fed byte by byte [${name}]`, () => {
        const c = makeCodec(v, { role });
        const key = (i: number) => incomingKey(role, i);
        for (const [label, e] of CORPUS) {
          const msg = concat([utf8('ab'), e]);
          const bad = oracle(msg);
          for (let i = 0; i <= msg.length; i++) {
            // Two fragments split at i, a ping in between.
            const frames: FrameSpec[] = [
              { opcode: 1, fin: false, payload: msg.subarray(0, i), key: key(1) },
              { opcode: 9, payload: utf8('\xff'), key: key(2) },
              { opcode: 0, fin: true, payload: msg.subarray(i), key: key(3) },
            ];
            const { bytes: s, payloadAt } = stream(frames);
            c.reset();
            const r = feed(
              c,
              Array.from(s, (_, k) => s.subarray(k, k + 1)),
            );
            const where = `${label}, fragments split at ${i}`;
            if (bad < 0) {
              assert.equal(r.events.length, 3, where);
              const last = r.events[2];
              assert.ok(last.type === 'data' && last.fin);
              assert.deepEqual(last.message, msg, where);
              continue;
            }
            const err = r.events.at(-1);
            assert.ok(err && err.type === 'error', where);
            assert.equal(err.code, 1007, where);
            assert.equal(err.kind, 'INVALID_UTF8', where);
            if (bad < msg.length) {
              // The offending byte's stream offset; reported right after it was fed (chunk k = byte k).
              const offset = bad < i ? payloadAt[0] + bad : payloadAt[2] + bad - i;
              assert.equal(err.offset, offset, where);
              assert.equal(r.at.at(-1), offset, where);
            } else {
              // Truncated: at the end of the message, once its last byte is in.
              assert.equal(err.offset, s.length, where);
              assert.equal(r.at.at(-1), s.length - 1, where);
            }
          }
          // Whole, in one chunk: same verdict.
          c.reset();
          const one = feed(c, [frame({ opcode: 1, payload: msg, key: key(4) })]).events;
          assert.equal(one.length, 1);
          assert.equal(one[0].type, bad < 0 ? 'data' : 'error', label);
        }
      });

      test(`close reasons [${name}]`, () => {
        const c = makeCodec(v, { role });
        for (const [label, e] of CORPUS) {
          if (e.length > 123) continue;
          const payload = concat([b(0x0f, 0xa0), e]); // code 4000
          const bad = oracle(e);
          c.reset();
          const evs = feed(c, [frame({ opcode: 8, payload, key: incomingKey(role) })]).events;
          assert.equal(evs.length, 1);
          const hdr = role === 0 ? 2 : 6;
          if (bad < 0) assert.deepEqual(evs[0], { type: 'close', code: 4000, payload }, label);
          else
            assert.deepEqual(
              evs[0],
              { type: 'error', code: 1007, kind: 'INVALID_UTF8_CLOSE_REASON', offset: hdr + 2 + bad },
              label,
            );
        }
      });
    }

    test('binary messages are not validated', () => {
      const c = makeCodec(v);
      const payload = concat(INVALID.map(([, e]) => e));
      const evs = feed(c, [frame({ opcode: 2, payload }), frame({ opcode: 9, payload: pattern(10) })]).events;
      assert.deepEqual(
        evs.map((e) => e.type),
        ['data', 'ping'],
      );
    });
  });
}
