// Streaming UTF-8 validation (RFC 3629), fail-fast (mirrors assembly/utf8.ts): a DFA whose state
// carries a sequence across calls, so the first byte that cannot continue a valid sequence is
// reported. Shift-based: the entry of a byte packs the next state of every state, 6 bits each.
// The SIMD build validates the bulk of a call with the lookup algorithm on v128 (simd_run) and leaves
// the DFA only the start of a call, an error's exact byte and the tail (assembly/utf8.ts says why
// that gives the same verdicts, offsets and carried state).
#include "codec.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

// States, as shift amounts. UTF8_ACCEPT (0) is between sequences; the others say what may follow.
enum {
  ERR = 6,
  TAIL1 = 12, // one continuation byte (80..BF) left
  TAIL2 = 18, // two left
  S_E0 = 24,  // after E0: A0..BF (no overlong 3-byte forms)
  S_ED = 30,  // after ED: 80..9F (no surrogates)
  S_F0 = 36,  // after F0: 90..BF (no overlong 4-byte forms)
  TAIL3 = 42, // after F1..F3: three left
  S_F4 = 48,  // after F4: 80..8F (nothing above U+10FFFF)
};

uint32_t utf8_state = UTF8_ACCEPT;
// Index of the offending byte after utf8_feed returned false.
int32_t utf8_error_index = 0;

static uint64_t table[256];
static bool table_built = false;

static uint32_t transition(uint32_t state, uint32_t b) {
  const bool cont = b >= 0x80 && b <= 0xbf;
  switch (state) {
  case UTF8_ACCEPT:
    if (b < 0x80) return UTF8_ACCEPT;
    if (b >= 0xc2 && b <= 0xdf) return TAIL1;
    if (b == 0xe0) return S_E0;
    if (b == 0xed) return S_ED;
    if (b >= 0xe1 && b <= 0xef) return TAIL2;
    if (b == 0xf0) return S_F0;
    if (b >= 0xf1 && b <= 0xf3) return TAIL3;
    if (b == 0xf4) return S_F4;
    return ERR;
  case TAIL1: return cont ? UTF8_ACCEPT : ERR;
  case TAIL2: return cont ? TAIL1 : ERR;
  case S_E0: return b >= 0xa0 && b <= 0xbf ? TAIL1 : ERR;
  case S_ED: return b >= 0x80 && b <= 0x9f ? TAIL1 : ERR;
  case S_F0: return b >= 0x90 && b <= 0xbf ? TAIL2 : ERR;
  case TAIL3: return cont ? TAIL2 : ERR;
  case S_F4: return b >= 0x80 && b <= 0x8f ? TAIL2 : ERR;
  default: return ERR;
  }
}

void utf8_init(void) {
  if (table_built) return;
  for (uint32_t b = 0; b < 256; b++) {
    uint64_t entry = 0;
    for (uint32_t state = 0; state <= S_F4; state += 6) entry |= (uint64_t)transition(state, b) << state;
    table[b] = entry;
  }
  table_built = true;
}

// Number of leading bytes below 0x80 in [p, end).
static inline usize ascii_run(usize p, usize end) {
  usize q = p;
#ifdef __wasm_simd128__
  while (q + 32 <= end) {
    const v128_t *v = (const v128_t *)(uintptr_t)q;
    if (wasm_i8x16_bitmask(wasm_v128_or(wasm_v128_load(v), wasm_v128_load(v + 1))) != 0) break;
    q += 32;
  }
  while (q + 16 <= end) {
    if (wasm_i8x16_bitmask(wasm_v128_load((const v128_t *)(uintptr_t)q)) != 0) break;
    q += 16;
  }
#else
  while (q + 8 <= end) {
    if ((load64(q) & 0x8080808080808080ull) != 0) break;
    q += 8;
  }
#endif
  return q - p;
}

static inline uint32_t step(uint32_t state, usize p) { return (uint32_t)(table[load8(p)] >> state) & 63; }

#ifdef __wasm_simd128__
// ---- SIMD: the lookup algorithm of Keiser & Lemire, "Validating UTF-8 In Less Than One Instruction
// Per Byte" (2021), on v128, as in assembly/utf8.ts (which explains it and how errors are located) ----
// Each class of invalid pair (previous byte, this byte) is a bit; three 16-entry tables, indexed by the
// previous byte's high and low nibbles and this byte's high nibble, are ANDed.
enum {
  TOO_SHORT = 1 << 0,      // lead, then no continuation: 11______ 0_______ / 11______ 11______
  TOO_LONG = 1 << 1,       // ASCII, then a continuation: 0_______ 10______
  OVERLONG_3 = 1 << 2,     // E0 80..9F
  TOO_LARGE = 1 << 3,      // F4 90..BF, F5..FF 90..BF
  SURROGATE = 1 << 4,      // ED A0..BF
  OVERLONG_2 = 1 << 5,     // C0..C1 80..BF
  TOO_LARGE_1000 = 1 << 6, // F5..FF 80..8F
  OVERLONG_4 = 1 << 6,     // F0 80..8F (shares its bit: the union is still a product of nibble sets)
  TWO_CONTS = 1 << 7,      // 10______ 10______ (an error unless the count says otherwise)
  CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS, // the classes that hold for any low nibble
  LARGE = CARRY | TOO_LARGE | TOO_LARGE_1000, // F4..FF (low nibble 5..F: F5..FF)
  CONT = TOO_LONG | OVERLONG_2 | TWO_CONTS,   // a continuation byte, any
};

// The three tables, then the other constants, loaded once per call through a pointer the compiler
// cannot see through: as v128.const, V8 would materialise them again inside the loop.
static const uint8_t consts[7][16] __attribute__((aligned(16))) = {
  // byte 1, high nibble: 0_______ (x8), 10______ (x4), 1100____, 1101____, 1110____, 1111____
  {TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TWO_CONTS, TWO_CONTS,
   TWO_CONTS, TWO_CONTS, TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
   TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4},
  // byte 1, low nibble: 0000, 0001, 001_ (x2), 0100, 0101..1100 (x8), 1101, 111_ (x2)
  {CARRY | OVERLONG_2 | OVERLONG_3 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY, CARRY | TOO_LARGE, LARGE,
   LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE, LARGE | SURROGATE, LARGE, LARGE},
  // byte 2, high nibble: 0_______ (x8), 1000____, 1001____, 101_____ (x2), 11______ (x4)
  {TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
   CONT | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4, CONT | OVERLONG_3 | TOO_LARGE, CONT | SURROGATE | TOO_LARGE,
   CONT | SURROGATE | TOO_LARGE, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT},
  {15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15}, // the low nibble mask
  {0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60}, // E0 - 80
  {0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70}, // F0 - 80
  {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
};

typedef struct {
  v128_t t1, t2, t3, nibble, k60, k70, k80;
} lookup_consts;

#define PREV(a, b, n) \
  wasm_i8x16_shuffle(a, b, 16 - n, 17 - n, 18 - n, 19 - n, 20 - n, 21 - n, 22 - n, 23 - n, 24 - n, 25 - n, \
                     26 - n, 27 - n, 28 - n, 29 - n, 30 - n, 31 - n)

static inline v128_t load128(usize p) { return wasm_v128_load((const void *)(uintptr_t)p); }
static inline v128_t high_nibbles(v128_t v, v128_t nibble) { return wasm_v128_and(wasm_u16x8_shr(v, 4), nibble); }

// The error bits of the 16 bytes of cur (zero if none fails), given the 16 before (prev, zeros at a
// sequence boundary) and the high nibbles of both. PREV(prev, cur, n): per lane, the byte n back.
static inline v128_t lookup_errors(v128_t prev, v128_t prev_high, v128_t cur, v128_t high, const lookup_consts *k) {
  const v128_t prev1 = PREV(prev, cur, 1);
  const v128_t byte1_high = wasm_i8x16_swizzle(k->t1, PREV(prev_high, high, 1));
  const v128_t byte1_low = wasm_i8x16_swizzle(k->t2, wasm_v128_and(prev1, k->nibble));
  const v128_t special = wasm_v128_and(wasm_v128_and(byte1_high, byte1_low), wasm_i8x16_swizzle(k->t3, high));
  // 0x80 where this must be a 3rd or 4th byte (E0..FF two back, F0..FF three back): TWO_CONTS must
  // be set there, and only there.
  const v128_t third = wasm_u8x16_sub_sat(PREV(prev, cur, 2), k->k60);
  const v128_t fourth = wasm_u8x16_sub_sat(PREV(prev, cur, 3), k->k70);
  return wasm_v128_xor(special, wasm_v128_and(wasm_v128_or(third, fourth), k->k80));
}

// Nonzero when the 16 bytes of v end inside a sequence: 3rd last F0..FF, 2nd last E0..FF or last C0..FF.
static inline v128_t ends_incomplete(v128_t v) {
  return wasm_u8x16_sub_sat(v, wasm_u8x16_const(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                0xff, 0xf0 - 1, 0xe0 - 1, 0xc0 - 1));
}

// Validates from start, a sequence boundary, in blocks of 32 bytes (one check of the error bits per
// two v128) then 16, up to the first block with an error or the end of the last whole block; returns
// where the DFA goes on from in UTF8_ACCEPT: the last byte before that point that is not a continuation.
static usize simd_run(usize start, usize end) {
  const uint8_t *c = consts[0];
  __asm__("" : "+r"(c)); // hides the constants from the optimiser: loaded once, kept in registers
  const lookup_consts k = {
    wasm_v128_load(c), wasm_v128_load(c + 16), wasm_v128_load(c + 32), wasm_v128_load(c + 48),
    wasm_v128_load(c + 64), wasm_v128_load(c + 80), wasm_v128_load(c + 96),
  };
  usize p = start;
  v128_t prev = wasm_i64x2_const(0, 0), prev_high = wasm_i64x2_const(0, 0);
  bool bad = false;
  while (p + 32 <= end) {
    const v128_t a = load128(p), b = load128(p + 16);
    if (wasm_i8x16_bitmask(wasm_v128_or(a, b)) == 0) {
      // ASCII: valid unless a sequence before it is left open. Then on at ASCII speed, and after
      // ASCII, the lookup starts as at a sequence boundary.
      if (wasm_v128_any_true(ends_incomplete(prev))) {
        bad = true;
        break;
      }
      p += 32;
      while (p + 32 <= end && wasm_i8x16_bitmask(wasm_v128_or(load128(p), load128(p + 16))) == 0) p += 32;
      prev = prev_high = wasm_i64x2_const(0, 0);
      continue;
    }
    const v128_t ah = high_nibbles(a, k.nibble), bh = high_nibbles(b, k.nibble);
    const v128_t err = wasm_v128_or(lookup_errors(prev, prev_high, a, ah, &k), lookup_errors(a, ah, b, bh, &k));
    if (wasm_v128_any_true(err)) {
      bad = true;
      break;
    }
    prev = b;
    prev_high = bh;
    p += 32;
  }
  if (!bad) {
    while (p + 16 <= end) {
      const v128_t a = load128(p);
      const v128_t ah = high_nibbles(a, k.nibble);
      if (wasm_v128_any_true(lookup_errors(prev, prev_high, a, ah, &k))) break;
      prev = a;
      prev_high = ah;
      p += 16;
    }
  }
  // Back to the last byte before p that is not a continuation: at most 4 back, as what was validated
  // has no more than 3 continuation bytes in a row.
  while (p > start) {
    p--;
    if ((load8(p) & 0xc0) != 0x80) break;
  }
  return p;
}
#endif

// The DFA over [p, end) from state: the whole of utf8_feed in the scalar build, what SIMD leaves in
// the SIMD build (an error's exact byte, the tail).
static bool dfa_feed(usize ptr, usize p, usize end, uint32_t state) {
  while (p < end) {
    if (state == UTF8_ACCEPT) {
      p += ascii_run(p, end);
      if (p >= end) break;
    }
    // Up to 16 bytes through the DFA with no branch per byte: ERR absorbs, so one check at the end
    // tells, and only then is the block walked again to find the byte.
    const usize block_end = p + 16 < end ? p + 16 : end;
    uint32_t s = state;
    for (usize q = p; q < block_end; q++) s = step(s, q);
    if (s == ERR) {
      s = state;
      usize q = p;
      while ((s = step(s, q)) != ERR) q++;
      utf8_state = ERR;
      utf8_error_index = (int32_t)(q - ptr);
      return false;
    }
    state = s;
    p = block_end;
  }
  utf8_state = state;
  return true;
}

#ifdef __wasm_simd128__
// utf8_feed in the SIMD build, from p (after ASCII in state UTF8_ACCEPT, or p == ptr); not inlined
// into the callers of utf8_feed.
__attribute__((noinline)) static bool simd_feed(usize ptr, usize p, usize end) {
  uint32_t state = utf8_state;
  if (state != UTF8_ACCEPT) {
    // A sequence begun in an earlier call first, through the DFA, to a sequence boundary.
    while (state != UTF8_ACCEPT && p < end) {
      state = step(state, p);
      if (state == ERR) {
        utf8_state = ERR;
        utf8_error_index = (int32_t)(p - ptr);
        return false;
      }
      p++;
    }
    if (state == UTF8_ACCEPT) p += ascii_run(p, end);
  }
  // The bulk through SIMD; the DFA then finds an error's exact byte, or does the tail.
  if (state == UTF8_ACCEPT && end - p >= 16) p = simd_run(p, end);
  return dfa_feed(ptr, p, end, state);
}
#endif

// Feeds [ptr, ptr+len); returns false at the first invalid byte (utf8_error_index). Small, for LTO to
// inline into its callers: in the SIMD build, ASCII in state UTF8_ACCEPT is done there without a call
// (see assembly/utf8.ts: as one function, short ASCII calls were 1-4 ns slower than before SIMD).
bool utf8_feed(usize ptr, usize len) {
  const usize end = ptr + len;
#ifdef __wasm_simd128__
  usize p = ptr;
  if (utf8_state == UTF8_ACCEPT) {
    p += ascii_run(p, end);
    if (p == end) return true;
  }
  return simd_feed(ptr, p, end);
#else
  return dfa_feed(ptr, ptr, end, utf8_state);
#endif
}

void utf8_reset(void) { utf8_state = UTF8_ACCEPT; }

// Whole-buffer check: -1 if valid, else the index of the first invalid byte (len if truncated).
// Leaves the streaming state of a message in progress as it was.
int32_t utf8_check(usize ptr, usize len) {
  utf8_init();
  const uint32_t saved = utf8_state;
  utf8_state = UTF8_ACCEPT;
  int32_t result = -1;
  if (!utf8_feed(ptr, len)) result = utf8_error_index;
  else if (utf8_state != UTF8_ACCEPT) result = (int32_t)len;
  utf8_state = saved;
  return result;
}
