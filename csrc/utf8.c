// Streaming UTF-8 validation (RFC 3629), fail-fast (mirrors assembly/utf8.ts): the state carries a
// sequence across calls, and the first byte that cannot continue a valid sequence is reported.
// State: 0 between sequences, else (bytes still needed) | lowest << 8 | highest << 16 allowed for the
// next byte.
#include "codec.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

uint32_t utf8_state = UTF8_ACCEPT;
// Index of the offending byte after utf8_feed returned false.
int32_t utf8_error_index = 0;

static inline uint32_t start(uint32_t need, uint32_t lo, uint32_t hi) { return need | (lo << 8) | (hi << 16); }

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

// Range of the byte after lead byte `b` (the second byte is where overlongs, surrogates and code
// points above U+10FFFF show); 0 if `b` cannot start a sequence. Packed: lo | hi << 8 | need << 16.
static inline uint32_t lead_rule(uint32_t b) {
  if (b >= 0xc2 && b <= 0xdf) return 0x80 | (0xbf << 8) | (1 << 16);
  if (b == 0xe0) return 0xa0 | (0xbf << 8) | (2 << 16);
  if (b == 0xed) return 0x80 | (0x9f << 8) | (2 << 16); // no surrogates
  if (b >= 0xe1 && b <= 0xef) return 0x80 | (0xbf << 8) | (2 << 16);
  if (b == 0xf0) return 0x90 | (0xbf << 8) | (3 << 16); // no overlong 4-byte forms
  if (b == 0xf4) return 0x80 | (0x8f << 8) | (3 << 16); // nothing above U+10FFFF
  if (b >= 0xf1 && b <= 0xf3) return 0x80 | (0xbf << 8) | (3 << 16);
  return 0;
}

static inline bool is_continuation(usize p) { return (load8(p) & 0xc0) == 0x80; }

static bool fail(uint32_t state, usize at, usize ptr) {
  utf8_state = state;
  utf8_error_index = (int32_t)(at - ptr);
  return false;
}

// Feeds [ptr, ptr+len); returns false at the first invalid byte (utf8_error_index).
bool utf8_feed(usize ptr, usize len) {
  uint32_t state = utf8_state;
  usize p = ptr;
  const usize end = ptr + len;
  while (p < end) {
    if (state == UTF8_ACCEPT) {
      p += ascii_run(p, end);
      if (p >= end) break;
      const uint32_t b = load8(p);
      if (b < 0x80) { p++; continue; }
      const uint32_t rule = lead_rule(b);
      if (rule == 0) return fail(state, p, ptr);
      const usize need = rule >> 16;
      if (p + need < end) {
        // The whole sequence is here: check it without the state machine.
        const uint32_t c1 = load8(p + 1);
        if (c1 < (rule & 0xff) || c1 > ((rule >> 8) & 0xff)) return fail(state, p + 1, ptr);
        if (need >= 2 && !is_continuation(p + 2)) return fail(state, p + 2, ptr);
        if (need == 3 && !is_continuation(p + 3)) return fail(state, p + 3, ptr);
        p += need + 1;
        continue;
      }
      state = start(need, rule & 0xff, (rule >> 8) & 0xff);
      p++;
    } else {
      const uint32_t b = load8(p);
      if (b < ((state >> 8) & 0xff) || b > (state >> 16)) return fail(state, p, ptr);
      const uint32_t need = (state & 0xff) - 1;
      state = need == 0 ? UTF8_ACCEPT : start(need, 0x80, 0xbf);
      p++;
    }
  }
  utf8_state = state;
  return true;
}

void utf8_reset(void) { utf8_state = UTF8_ACCEPT; }

// Whole-buffer check: -1 if valid, else the index of the first invalid byte (len if truncated).
// Leaves the streaming state of a message in progress as it was.
int32_t utf8_check(usize ptr, usize len) {
  const uint32_t saved = utf8_state;
  utf8_state = UTF8_ACCEPT;
  int32_t result = -1;
  if (!utf8_feed(ptr, len)) result = utf8_error_index;
  else if (utf8_state != UTF8_ACCEPT) result = (int32_t)len;
  utf8_state = saved;
  return result;
}
