// Streaming UTF-8 validation (RFC 3629), fail-fast: a DFA whose state carries a sequence across
// calls, so the first byte that cannot continue a valid sequence is reported. Shift-based: the
// entry of a byte packs the next state of every state, 6 bits each, so a step is one load and a shift.
// The SIMD build validates the bulk of a call with the lookup algorithm on v128 (simdRun, below) and
// leaves the DFA only the start of a call (a sequence carried from the previous one), an error's
// exact byte and the tail: the same verdicts, error offsets and carried state as the DFA alone.

// States, as shift amounts. ACCEPT is between sequences; the others say what the next byte may be.
export const UTF8_ACCEPT: u32 = 0;
const ERR: u32 = 6;
const TAIL1: u32 = 12; // one continuation byte (80..BF) left
const TAIL2: u32 = 18; // two left
const E0: u32 = 24; // after E0: A0..BF (no overlong 3-byte forms)
const ED: u32 = 30; // after ED: 80..9F (no surrogates)
const F0: u32 = 36; // after F0: 90..BF (no overlong 4-byte forms)
const TAIL3: u32 = 42; // after F1..F3: three left
const F4: u32 = 48; // after F4: 80..8F (nothing above U+10FFFF)

export let utf8State: u32 = UTF8_ACCEPT;

// The state of the selected parser context, restored on a switch.
export function setUtf8State(state: u32): void {
  utf8State = state;
}
// Index of the offending byte after utf8Feed returned false.
export let utf8ErrorIndex: i32 = 0;

const TABLE: usize = memory.data(256 * 8, 8);
let tableBuilt = false;

function transition(state: u32, b: u32): u32 {
  const cont = b >= 0x80 && b <= 0xbf;
  if (state == UTF8_ACCEPT) {
    if (b < 0x80) return UTF8_ACCEPT;
    if (b >= 0xc2 && b <= 0xdf) return TAIL1;
    if (b == 0xe0) return E0;
    if (b == 0xed) return ED;
    if (b >= 0xe1 && b <= 0xef) return TAIL2;
    if (b == 0xf0) return F0;
    if (b >= 0xf1 && b <= 0xf3) return TAIL3;
    if (b == 0xf4) return F4;
    return ERR;
  }
  if (state == TAIL1) return cont ? UTF8_ACCEPT : ERR;
  if (state == TAIL2) return cont ? TAIL1 : ERR;
  if (state == E0) return b >= 0xa0 && b <= 0xbf ? TAIL1 : ERR;
  if (state == ED) return b >= 0x80 && b <= 0x9f ? TAIL1 : ERR;
  if (state == F0) return b >= 0x90 && b <= 0xbf ? TAIL2 : ERR;
  if (state == TAIL3) return cont ? TAIL2 : ERR;
  if (state == F4) return b >= 0x80 && b <= 0x8f ? TAIL2 : ERR;
  return ERR;
}

export function utf8Init(): void {
  if (tableBuilt) return;
  for (let b: u32 = 0; b < 256; b++) {
    let entry: u64 = 0;
    for (let state: u32 = 0; state <= F4; state += 6) entry |= (<u64>transition(state, b)) << state;
    store<u64>(TABLE + (<usize>b << 3), entry);
  }
  tableBuilt = true;
}

// Number of leading bytes below 0x80 in [p, end).
@inline function asciiRun(p: usize, end: usize): usize {
  let q = p;
  if (ASC_FEATURE_SIMD) {
    while (q + 32 <= end) {
      if (i8x16.bitmask(v128.or(v128.load(q), v128.load(q, 16))) != 0) break;
      q += 32;
    }
    while (q + 16 <= end) {
      if (i8x16.bitmask(v128.load(q)) != 0) break;
      q += 16;
    }
  } else {
    while (q + 8 <= end) {
      if ((load<u64>(q) & 0x8080808080808080) != 0) break;
      q += 8;
    }
  }
  return q - p;
}

@inline function step(state: u32, p: usize): u32 {
  return <u32>(load<u64>(TABLE + (<usize>load<u8>(p) << 3)) >> state) & 63;
}

// ---- SIMD: the lookup algorithm of Keiser & Lemire, "Validating UTF-8 In Less Than One Instruction
// Per Byte" (2021), on v128 ----
//
// Every invalid input has a byte at which a check of that byte and the 1-3 before it fails. Most
// checks are on a pair (the previous byte, this byte), and each class of bad pair is a product of
// three nibble sets: (high nibble of the previous byte) x (its low nibble) x (high nibble of this
// byte). Each class is a bit; three 16-entry tables give, per nibble value, the classes it can be
// part of, so the AND of three i8x16.swizzle lookups is the set of classes each pair is in. The rest
// is counting continuation bytes: two in a row (TWO_CONTS) must be the 2nd and 3rd, or the 3rd and
// 4th, of a sequence, that is exactly when the byte two back is E0..FF or the one three back F0..FF.
//
// Where it fails, relative to the DFA: at the same byte, or (C0, C1, F5..FF, which no byte can
// follow) at the byte after it; never before it. So when a block shows an error, or at the end of
// what SIMD covers, the DFA goes on from the last byte before the block that is not a continuation
// (the start of the last sequence begun before it, at most 4 bytes back: the bytes before that are
// complete and valid, so the DFA is in ACCEPT there), finds the exact byte, and carries the state.
const TOO_SHORT: u8 = 1 << 0; // lead, then no continuation: 11______ 0_______ / 11______ 11______
const TOO_LONG: u8 = 1 << 1; // ASCII, then a continuation: 0_______ 10______
const OVERLONG_3: u8 = 1 << 2; // E0 80..9F
const TOO_LARGE: u8 = 1 << 3; // F4 90..BF, F5..FF 90..BF
const SURROGATE: u8 = 1 << 4; // ED A0..BF
const OVERLONG_2: u8 = 1 << 5; // C0..C1 80..BF
const TOO_LARGE_1000: u8 = 1 << 6; // F5..FF 80..8F
const OVERLONG_4: u8 = 1 << 6; // F0 80..8F (shares its bit: the union is still a product of nibble sets)
const TWO_CONTS: u8 = 1 << 7; // 10______ 10______ (an error unless the count says otherwise)
const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS; // the classes that hold for any low nibble

const LARGE: u8 = CARRY | TOO_LARGE | TOO_LARGE_1000; // F4..FF (low nibble 5..F: F5..FF)
const CONT: u8 = TOO_LONG | OVERLONG_2 | TWO_CONTS; // a continuation byte, any

// Nonzero when the 16 bytes of `v` end inside a sequence: 3rd last F0..FF, 2nd last E0..FF or last
// C0..FF (what the lookup would find at the first bytes of ASCII after them).
@inline function endsIncomplete(v: v128): v128 {
  return i8x16.sub_sat_u(
    v,
    i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, <i8>(0xf0 - 1), <i8>(0xe0 - 1), <i8>(0xc0 - 1)),
  );
}

// The error bits of the 16 bytes of `cur` (zero if none fails), given the 16 before (`prev`, zeros
// at a sequence boundary) and the high nibbles of both.
@inline function lookupErrors(
  prev: v128, prevHigh: v128, cur: v128, high: v128,
  t1: v128, t2: v128, t3: v128, nibble: v128, k60: v128, k70: v128, k80: v128,
): v128 {
  // Per lane, the byte 1, 2 and 3 back (and the high nibble of the one 1 back).
  const prev1 = i8x16.shuffle(prev, cur, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
  const high1 = i8x16.shuffle(prevHigh, high, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
  const prev2 = i8x16.shuffle(prev, cur, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
  const prev3 = i8x16.shuffle(prev, cur, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28);
  const special = v128.and(
    v128.and(i8x16.swizzle(t1, high1), i8x16.swizzle(t2, v128.and(prev1, nibble))),
    i8x16.swizzle(t3, high),
  );
  // 0x80 where this must be a 3rd or 4th byte: less E0 - 80 (saturating) is >= 80 exactly for
  // E0..FF, less F0 - 80 for F0..FF. Where it is, TWO_CONTS must be set, and only there.
  const must23 = v128.and(v128.or(i8x16.sub_sat_u(prev2, k60), i8x16.sub_sat_u(prev3, k70)), k80);
  return v128.xor(special, must23);
}

// Validates from `start`, a sequence boundary (the DFA in ACCEPT), in blocks of 32 bytes (two v128,
// one check of the error bits; with four, V8 runs out of registers), then of 16, up to the first block
// with an error or the end of the last whole block. Returns where the DFA goes on from, in ACCEPT.
function simdRun(start: usize, end: usize): usize {
  // The three tables, then the other constants, loaded from memory once per call (as v128.const
  // V8 would materialise them again inside the loop, at 2-4 instructions each).
  const consts = memory.data<u8>([
    // byte 1, high nibble: 0_______ (x8), 10______ (x4), 1100____, 1101____, 1110____, 1111____
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
    TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
    // byte 1, low nibble: 0000, 0001, 001_ (x2), 0100, 0101..1100 (x8), 1101, 111_ (x2)
    CARRY | OVERLONG_2 | OVERLONG_3 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY, CARRY | TOO_LARGE,
    LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE | SURROGATE, LARGE, LARGE,
    // byte 2, high nibble: 0_______ (x8), 1000____, 1001____, 101_____ (x2), 11______ (x4)
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
    CONT | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4, CONT | OVERLONG_3 | TOO_LARGE,
    CONT | SURROGATE | TOO_LARGE, CONT | SURROGATE | TOO_LARGE,
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
    // the low nibble mask; 0xE0 - 0x80 and 0xF0 - 0x80 (see lookupErrors); 0x80
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
    0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60,
    0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  ], 16);
  const t1 = v128.load(consts);
  const t2 = v128.load(consts, 16);
  const t3 = v128.load(consts, 32);
  const nibble = v128.load(consts, 48);
  const k60 = v128.load(consts, 64);
  const k70 = v128.load(consts, 80);
  const k80 = v128.load(consts, 96);
  let p = start;
  let prev = i64x2.splat(0); // a sequence boundary: as if ASCII came before
  let prevHigh = i64x2.splat(0);
  let bad = false;
  while (p + 32 <= end) {
    const a = v128.load(p);
    const b = v128.load(p, 16);
    if (i8x16.bitmask(v128.or(a, b)) == 0) {
      // ASCII: valid unless a sequence before it is left open. Then on at ASCII speed, and after
      // ASCII, the lookup starts as at a sequence boundary.
      if (v128.any_true(endsIncomplete(prev))) {
        bad = true;
        break;
      }
      p += 32;
      while (p + 32 <= end && i8x16.bitmask(v128.or(v128.load(p), v128.load(p, 16))) == 0) p += 32;
      prev = prevHigh = i64x2.splat(0);
      continue;
    }
    const ah = v128.and(i16x8.shr_u(a, 4), nibble);
    const bh = v128.and(i16x8.shr_u(b, 4), nibble);
    const err = v128.or(
      lookupErrors(prev, prevHigh, a, ah, t1, t2, t3, nibble, k60, k70, k80),
      lookupErrors(a, ah, b, bh, t1, t2, t3, nibble, k60, k70, k80),
    );
    if (v128.any_true(err)) {
      bad = true;
      break;
    }
    prev = b;
    prevHigh = bh;
    p += 32;
  }
  if (!bad) {
    while (p + 16 <= end) {
      const cur = v128.load(p);
      const high = v128.and(i16x8.shr_u(cur, 4), nibble);
      if (v128.any_true(lookupErrors(prev, prevHigh, cur, high, t1, t2, t3, nibble, k60, k70, k80))) break;
      prev = cur;
      prevHigh = high;
      p += 16;
    }
  }
  // Back to the last byte before p that is not a continuation: at most 4 back, as what was validated
  // has no more than 3 continuation bytes in a row.
  while (p > start) {
    p--;
    if ((load<u8>(p) & 0xc0) != 0x80) break;
  }
  return p;
}

// The DFA over [p, end) from `state`: the whole of utf8Feed in the scalar build, what SIMD leaves in
// the SIMD build (an error's exact byte, the tail).
function dfaFeed(ptr: usize, p: usize, end: usize, state: u32): bool {
  while (p < end) {
    if (state == UTF8_ACCEPT) {
      p += asciiRun(p, end);
      if (p >= end) break;
    }
    // Up to 16 bytes through the DFA with no branch per byte: ERR absorbs, so one check at the end
    // tells, and only then is the block walked again to find the byte.
    const blockEnd = min(p + 16, end);
    let s = state;
    for (let q = p; q < blockEnd; q++) s = step(s, q);
    if (s == ERR) {
      s = state;
      let q = p;
      while ((s = step(s, q)) != ERR) q++;
      utf8State = ERR;
      utf8ErrorIndex = <i32>(q - ptr);
      return false;
    }
    state = s;
    p = blockEnd;
  }
  utf8State = state;
  return true;
}

// utf8Feed in the SIMD build, from p (after ASCII in state ACCEPT, or p == ptr).
function simdFeed(ptr: usize, p: usize, end: usize): bool {
  let state = utf8State;
  if (state != UTF8_ACCEPT) {
    // A sequence begun in an earlier call first, through the DFA, to a sequence boundary.
    while (state != UTF8_ACCEPT && p < end) {
      state = step(state, p);
      if (state == ERR) {
        utf8State = ERR;
        utf8ErrorIndex = <i32>(p - ptr);
        return false;
      }
      p++;
    }
    if (state == UTF8_ACCEPT) p += asciiRun(p, end);
  }
  // The bulk through SIMD; the DFA then finds an error's exact byte, or does the tail.
  if (state == UTF8_ACCEPT && end - p >= 16) p = simdRun(p, end);
  return dfaFeed(ptr, p, end, state);
}

// Feeds [ptr, ptr+len); returns false at the first invalid byte (utf8ErrorIndex). Inlined into its
// callers: in the SIMD build, ASCII in state ACCEPT is done here without a call. (As one function,
// the SIMD code's frame, saved registers and stack check made short ASCII calls 1-4 ns slower on V8
// and JavaScriptCore than before SIMD; this way they are faster.)
@inline export function utf8Feed(ptr: usize, len: usize): bool {
  const end = ptr + len;
  if (ASC_FEATURE_SIMD) {
    let p = ptr;
    if (utf8State == UTF8_ACCEPT) {
      p += asciiRun(p, end);
      if (p == end) return true;
    }
    return simdFeed(ptr, p, end);
  }
  return dfaFeed(ptr, ptr, end, utf8State);
}

export function utf8Reset(): void {
  utf8State = UTF8_ACCEPT;
}

// Whole-buffer check: -1 if valid, else the index of the first invalid byte (len if truncated).
export function utf8Validate(ptr: usize, len: usize): i32 {
  utf8Init();
  const saved = utf8State;
  utf8State = UTF8_ACCEPT;
  let result: i32 = -1;
  if (!utf8Feed(ptr, len)) result = utf8ErrorIndex;
  else if (utf8State != UTF8_ACCEPT) result = <i32>len;
  utf8State = saved;
  return result;
}
