// Streaming UTF-8 validation (RFC 3629), fail-fast (mirrors assembly/utf8.ts): a DFA whose state
// carries a sequence across calls, so the first byte that cannot continue a valid sequence is
// reported. Shift-based: the entry of a byte packs the next state of every state, 6 bits each.
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

// Feeds [ptr, ptr+len); returns false at the first invalid byte (utf8_error_index).
bool utf8_feed(usize ptr, usize len) {
  uint32_t state = utf8_state;
  usize p = ptr;
  const usize end = ptr + len;
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
