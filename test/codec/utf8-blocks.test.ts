// UTF-8 validation differentially against TextDecoder (fatal), on longer inputs than utf8.test.ts:
// the SIMD builds validate 16- and 32-byte blocks with the lookup algorithm and hand an error's
// block (or the tail of a call) to the DFA from the last sequence boundary, so what matters here is
// where errors and calls fall relative to those blocks. Every backend and build, against the oracle
// with the error offset: every class of invalid sequence at every offset of multi-byte text (so at
// every position relative to 16/32/64-byte boundaries), after ASCII runs, random byte strings and
// mutated text, and text messages split across calls (pushes and fragments) at every position.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, feed, frame, hex, makeCodec, splitAt, stream, utf8, variants } from './helpers.ts';
import { utf8FirstInvalid } from './model.ts';

/**
 * The oracle: -1 if TextDecoder (fatal) accepts `b`, else the offset of the first byte that a
 * streaming fatal decoder rejects (the shortest prefix that throws, less one), or b.length when
 * only the end of the input is missing.
 */
function oracle(b: Uint8Array): number {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return -1;
  } catch {}
  const throws = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, n), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  // Whether a prefix throws is monotonic in its length: bisect for the shortest that does.
  let lo = 0;
  let hi = b.length + 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (mid <= b.length && throws(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo > b.length ? b.length : lo - 1;
}

let seed = 0x9e3779b9;
function rnd(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}
const int = (n: number) => Math.floor(rnd() * n);
const b = (...x: number[]) => Uint8Array.from(x);

// Code points at the edges of each length and of the surrogates, then random ones.
const EDGES = [
  0x00, 0x7f, 0x80, 0x7ff, 0x800, 0xfff, 0x1000, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x3ffff, 0x40000, 0xfffff,
  0x100000, 0x10ffff,
];
/** Valid text of about `len` bytes; `weights` are the shares of 1-, 2-, 3- and 4-byte sequences. */
function text(len: number, weights: readonly number[]): Uint8Array {
  const ranges = [
    [0x00, 0x80],
    [0x80, 0x800],
    [0x800, 0x10000],
    [0x10000, 0x110000],
  ];
  const total = weights.reduce((a, w) => a + w, 0);
  let s = '';
  let bytes = 0;
  while (bytes < len) {
    let cp: number;
    if (rnd() < 0.05) cp = EDGES[int(EDGES.length)];
    else {
      let r = rnd() * total;
      let k = 0;
      while (r >= weights[k]) r -= weights[k++];
      const [lo, hi] = ranges[k];
      cp = lo + int(hi - lo);
      if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
    }
    s += String.fromCodePoint(cp);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return utf8(s);
}

const MIXES: [string, number[]][] = [
  ['mixed', [1, 1, 1, 1]],
  ['2-byte', [0, 1, 0, 0]],
  ['3-byte', [0, 0, 1, 0]],
  ['4-byte', [0, 0, 0, 1]],
  ['mostly ASCII', [30, 1, 1, 1]],
];

// Every class of invalid sequence, alone (some also valid-looking until their last byte).
const INVALID: [string, Uint8Array][] = [
  ['overlong 2-byte C0 80', b(0xc0, 0x80)],
  ['overlong 2-byte C1 BF', b(0xc1, 0xbf)],
  ['overlong 3-byte E0 80 80', b(0xe0, 0x80, 0x80)],
  ['overlong 3-byte E0 9F BF', b(0xe0, 0x9f, 0xbf)],
  ['overlong 4-byte F0 80 80 80', b(0xf0, 0x80, 0x80, 0x80)],
  ['overlong 4-byte F0 8F BF BF', b(0xf0, 0x8f, 0xbf, 0xbf)],
  ['surrogate ED A0 80', b(0xed, 0xa0, 0x80)],
  ['surrogate ED BF BF', b(0xed, 0xbf, 0xbf)],
  ['above U+10FFFF: F4 90 80 80', b(0xf4, 0x90, 0x80, 0x80)],
  ['above U+10FFFF: F4 BF BF BF', b(0xf4, 0xbf, 0xbf, 0xbf)],
  ['F5 lead', b(0xf5, 0x80, 0x80, 0x80)],
  ['F7 lead', b(0xf7, 0xbf, 0xbf, 0xbf)],
  ['F8 lead (5 bytes)', b(0xf8, 0x88, 0x80, 0x80, 0x80)],
  ['FC lead (6 bytes)', b(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80)],
  ['FE', b(0xfe)],
  ['FF', b(0xff)],
  ['stray continuation 80', b(0x80)],
  ['stray continuation BF', b(0xbf)],
  ['2-byte sequence and a continuation too many', b(0xc3, 0xa9, 0x80)],
  ['3-byte sequence and a continuation too many', b(0xe2, 0x82, 0xac, 0xbf)],
  ['4-byte sequence and a continuation too many', b(0xf0, 0x9f, 0x98, 0x80, 0x80)],
  ['truncated 2-byte', b(0xc3)],
  ['truncated 3-byte after 1', b(0xe2)],
  ['truncated 3-byte after 2', b(0xe2, 0x82)],
  ['truncated 4-byte after 1', b(0xf0)],
  ['truncated 4-byte after 2', b(0xf0, 0x9f)],
  ['truncated 4-byte after 3', b(0xf0, 0x9f, 0x98)],
  ['lead then a lead', b(0xe2, 0xe2, 0x82, 0xac)],
  ['lead then ASCII', b(0xf1, 0x41)],
];

// ASCII runs long enough for the SIMD builds' ASCII paths (which skip 16 and 32 bytes at a time),
// then multi-byte text.
const ASCII_RUN = utf8('The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ.');
const BASES: [string, Uint8Array][] = [
  ...MIXES.map(([name, w]): [string, Uint8Array] => [name, text(200, w)]),
  ['multi-byte, ASCII, multi-byte', concat([text(40, [0, 1, 1, 1]), ASCII_RUN, text(60, [0, 1, 1, 1])])],
];

/** `e` inserted at byte `at` of `base` (possibly inside a sequence: the oracle decides). */
const insert = (base: Uint8Array, at: number, e: Uint8Array) => concat([base.subarray(0, at), e, base.subarray(at)]);

/** The inputs of one test and their oracle verdicts, made once and shared by every variant. */
function cases(make: (add: (s: Uint8Array, what: string) => void) => void): () => [Uint8Array, string, number][] {
  let made: [Uint8Array, string, number][] | undefined;
  return () => {
    if (!made) {
      const out: [Uint8Array, string, number][] = [];
      make((s, what) => out.push([s, what, oracle(s)]));
      made = out;
    }
    return made;
  };
}

const VALID_PREFIXES = cases((add) => {
  for (const [name, w] of MIXES) {
    const t = text(300, w);
    // Cut anywhere, inside a sequence too (then invalid at the end).
    for (let n = 0; n <= 260; n++) add(t.subarray(0, n), `${name}, ${n} bytes`);
  }
});

const EVERY_OFFSET = cases((add) => {
  for (const [base, t] of BASES) {
    for (const [name, e] of INVALID) {
      for (let at = 0; at <= t.length; at++) add(insert(t, at, e), `${name} at ${at} of ${base}`);
    }
  }
});

const REPLACED = cases((add) => {
  const kinds = [
    0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
  ];
  for (const [base, t] of BASES) {
    for (let at = 0; at < t.length; at++) {
      for (const k of kinds) {
        const s = t.slice();
        s[at] = k;
        add(s, `${hex(b(k))} at ${at} of ${base}`);
      }
    }
  }
});

const RANDOM = cases((add) => {
  for (let n = 0; n < 1500; n++) {
    const t = text(int(1500), MIXES[int(MIXES.length)][1]);
    let s: Uint8Array = t;
    const m = int(4);
    if (m === 0 && t.length) {
      s = t.slice();
      s[int(t.length)] = int(256);
    } else if (m === 1) s = insert(t, int(t.length + 1), INVALID[int(INVALID.length)][1]);
    else if (m === 2) s = t.subarray(0, int(t.length + 1));
    add(s, `mutation ${m}`);
  }
  for (let n = 0; n < 1000; n++) {
    const s = new Uint8Array(int(300));
    // Mostly continuation and lead bytes, so that inputs get far before failing.
    for (let i = 0; i < s.length; i++) s[i] = rnd() < 0.6 ? 0x80 + int(64) : int(256);
    add(s, 'random bytes');
  }
});

const MESSAGES = cases((add) => {
  add(text(150, [1, 1, 1, 1]), 'valid mixed');
  add(text(150, [0, 0, 0, 1]), 'valid 4-byte');
  add(BASES[BASES.length - 1][1], 'valid, an ASCII run inside');
  for (const [name, e] of INVALID) add(insert(text(130, [1, 2, 2, 2]), 40 + int(80), e), name);
});

for (const v of variants) {
  describe(`UTF-8 blocks [${v.name}]`, () => {
    const codec = makeCodec(v);
    const checkAll = (all: [Uint8Array, string, number][]) => {
      for (const [s, what, want] of all) assert.equal(codec.validateUtf8(s), want, `${what}: ${hex(s)}`);
    };

    test('the oracle agrees with the model on valid text and each invalid class', () => {
      for (const [name, base] of BASES) assert.equal(oracle(base), -1, name);
      for (const [name, e] of INVALID) {
        assert.notEqual(oracle(e), -1, name);
        for (const s of [e, insert(BASES[0][1], 100, e)]) assert.equal(oracle(s), utf8FirstInvalid(s), name);
      }
    });

    test('valid text of every mix, cut at every length up to 260 bytes', () => checkAll(VALID_PREFIXES()));

    test('every invalid class at every offset of multi-byte text', () => checkAll(EVERY_OFFSET()));

    test('one byte replaced, at every offset, by every kind of byte', () => checkAll(REPLACED()));

    test('random mutations of long text, and random bytes', () => checkAll(RANDOM()));

    test('text messages split across two pushes and across two fragments, at every position', () => {
      const c = makeCodec(v);
      for (const [msg, name, bad] of MESSAGES()) {
        for (let i = 0; i <= msg.length; i++) {
          // One frame, its payload pushed in two parts.
          const one = frame({ opcode: 1, payload: msg });
          const hdr = one.length - msg.length;
          c.reset();
          let r = feed(c, splitAt(one, [hdr + i]));
          const where = `${name}, split at ${i}`;
          if (bad < 0) {
            assert.equal(r.events.length, 1, where);
            assert.ok(r.events[0].type === 'data', where);
          } else {
            const err = r.events.at(-1);
            assert.ok(err?.type === 'error' && err.kind === 'INVALID_UTF8', `${where}: ${JSON.stringify(err)}`);
            assert.equal(err.offset, hdr + bad, where);
          }
          // Two fragments.
          const { bytes, payloadAt } = stream([
            { opcode: 1, fin: false, payload: msg.subarray(0, i) },
            { opcode: 0, fin: true, payload: msg.subarray(i) },
          ]);
          c.reset();
          r = feed(c, [bytes]);
          if (bad < 0) {
            assert.equal(r.events.length, 2, where);
            const last = r.events[1];
            assert.ok(last.type === 'data' && last.fin, where);
            assert.deepEqual(last.message, msg, where);
          } else {
            const err = r.events.at(-1);
            assert.ok(err?.type === 'error' && err.kind === 'INVALID_UTF8', `${where}: ${JSON.stringify(err)}`);
            const offset = bad === msg.length ? bytes.length : bad < i ? payloadAt[0] + bad : payloadAt[1] + bad - i;
            assert.equal(err.offset, offset, `${where}, fragments`);
          }
        }
      }
    });
  });
}
