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

// Range of the byte after lead byte `b` (the second byte is where overlongs, surrogates and
// code points above U+10FFFF show); 0 if `b` cannot start a sequence. Packed: lo | hi << 8 | need << 16.
@inline function leadRule(b: u32): u32 {
  if (b >= 0xc2 && b <= 0xdf) return 0x80 | (0xbf << 8) | (1 << 16);
  if (b == 0xe0) return 0xa0 | (0xbf << 8) | (2 << 16);
  if (b == 0xed) return 0x80 | (0x9f << 8) | (2 << 16); // no surrogates
  if (b >= 0xe1 && b <= 0xef) return 0x80 | (0xbf << 8) | (2 << 16);
  if (b == 0xf0) return 0x90 | (0xbf << 8) | (3 << 16); // no overlong 4-byte forms
  if (b == 0xf4) return 0x80 | (0x8f << 8) | (3 << 16); // nothing above U+10FFFF
  if (b >= 0xf1 && b <= 0xf3) return 0x80 | (0xbf << 8) | (3 << 16);
  return 0;
}

@inline function isContinuation(p: usize): bool {
  return (load<u8>(p) & 0xc0) == 0x80;
}

function fail(state: u32, at: usize, ptr: usize): bool {
  utf8State = state;
  utf8ErrorIndex = <i32>(at - ptr);
  return false;
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
      const rule = leadRule(b);
      if (rule == 0) return fail(state, p, ptr);
      const need = <usize>(rule >> 16);
      if (p + need < end) {
        // The whole sequence is here: check it without the state machine.
        const c1 = <u32>load<u8>(p + 1);
        if (c1 < (rule & 0xff) || c1 > ((rule >> 8) & 0xff)) return fail(state, p + 1, ptr);
        if (need >= 2 && !isContinuation(p + 2)) return fail(state, p + 2, ptr);
        if (need == 3 && !isContinuation(p + 3)) return fail(state, p + 3, ptr);
        p += need + 1;
        continue;
      }
      state = start(<u32>need, rule & 0xff, (rule >> 8) & 0xff);
      p++;
    } else {
      const b = <u32>load<u8>(p);
      if (b < ((state >> 8) & 0xff) || b > (state >> 16)) return fail(state, p, ptr);
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
