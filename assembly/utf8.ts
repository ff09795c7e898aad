// Streaming UTF-8 validation (RFC 3629), fail-fast: the state carries a sequence across calls, and
// the first byte that cannot continue a valid sequence is reported. State: 0 between sequences,
// else (bytes still needed) | lowest << 8 | highest << 16 allowed for the next byte.

export const UTF8_ACCEPT: u32 = 0;
export let utf8State: u32 = UTF8_ACCEPT;
// Index of the offending byte after utf8Feed returned false.
export let utf8ErrorIndex: i32 = 0;

@inline function start(need: u32, lo: u32, hi: u32): u32 {
  return need | (lo << 8) | (hi << 16);
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

// Feeds [ptr, ptr+len); returns false at the first invalid byte (utf8ErrorIndex).
export function utf8Feed(ptr: usize, len: usize): bool {
  let state = utf8State;
  let p = ptr;
  const end = ptr + len;
  while (p < end) {
    if (state == UTF8_ACCEPT) {
      p += asciiRun(p, end);
      if (p >= end) break;
      const b = <u32>load<u8>(p);
      if (b < 0x80) { p++; continue; }
      if (b >= 0xc2 && b <= 0xdf) state = start(1, 0x80, 0xbf);
      else if (b == 0xe0) state = start(2, 0xa0, 0xbf);
      else if (b == 0xed) state = start(2, 0x80, 0x9f); // no surrogates
      else if (b >= 0xe1 && b <= 0xef) state = start(2, 0x80, 0xbf);
      else if (b == 0xf0) state = start(3, 0x90, 0xbf); // no overlong 4-byte forms
      else if (b == 0xf4) state = start(3, 0x80, 0x8f); // nothing above U+10FFFF
      else if (b >= 0xf1 && b <= 0xf3) state = start(3, 0x80, 0xbf);
      else { utf8State = state; utf8ErrorIndex = <i32>(p - ptr); return false; }
      p++;
    } else {
      const b = <u32>load<u8>(p);
      if (b < ((state >> 8) & 0xff) || b > (state >> 16)) {
        utf8State = state;
        utf8ErrorIndex = <i32>(p - ptr);
        return false;
      }
      const need = (state & 0xff) - 1;
      state = need == 0 ? UTF8_ACCEPT : start(need, 0x80, 0xbf);
      p++;
    }
  }
  utf8State = state;
  return true;
}

export function utf8Reset(): void {
  utf8State = UTF8_ACCEPT;
}

// Whole-buffer check: -1 if valid, else the index of the first invalid byte (len if truncated).
export function utf8Validate(ptr: usize, len: usize): i32 {
  const saved = utf8State;
  utf8State = UTF8_ACCEPT;
  let result: i32 = -1;
  if (!utf8Feed(ptr, len)) result = utf8ErrorIndex;
  else if (utf8State != UTF8_ACCEPT) result = <i32>len;
  utf8State = saved;
  return result;
}
