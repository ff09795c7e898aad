// Streaming UTF-8 validation (RFC 3629), fail-fast: a DFA whose state carries a sequence across
// calls, so the first byte that cannot continue a valid sequence is reported. Shift-based: the
// entry of a byte packs the next state of every state, 6 bits each, so a step is one load and a shift.

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

// Feeds [ptr, ptr+len); returns false at the first invalid byte (utf8ErrorIndex).
export function utf8Feed(ptr: usize, len: usize): bool {
  let state = utf8State;
  let p = ptr;
  const end = ptr + len;
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
