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
      if (b >= 0xc2 && b <= 0xdf) state = start(1, 0x80, 0xbf);
      else if (b == 0xe0) state = start(2, 0xa0, 0xbf);
      else if (b == 0xed) state = start(2, 0x80, 0x9f); // no surrogates
      else if (b >= 0xe1 && b <= 0xef) state = start(2, 0x80, 0xbf);
      else if (b == 0xf0) state = start(3, 0x90, 0xbf); // no overlong 4-byte forms
      else if (b == 0xf4) state = start(3, 0x80, 0x8f); // nothing above U+10FFFF
      else if (b >= 0xf1 && b <= 0xf3) state = start(3, 0x80, 0xbf);
      else { utf8_state = state; utf8_error_index = (int32_t)(p - ptr); return false; }
      p++;
    } else {
      const uint32_t b = load8(p);
      if (b < ((state >> 8) & 0xff) || b > (state >> 16)) {
        utf8_state = state;
        utf8_error_index = (int32_t)(p - ptr);
        return false;
      }
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
