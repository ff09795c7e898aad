// RFC 6455 §5.3 masking: XOR with a 4-byte key, in place or into another place. v128 when built with SIMD, 8 bytes at a
// time otherwise (mirrors assembly/mask.ts).
//
// The key as a little-endian i32 holds key byte 0 in its low byte; starting at key byte `offset` is
// a rotation by whole bytes (rotate_key in codec.h).
#include "codec.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

// Masks `len` bytes from `src` into `dst` (the same address: in place; otherwise not overlapping).
void mask_into(usize dst, usize src, usize len, uint32_t key, int32_t offset) {
  uint32_t k = rotate_key(key, offset);
  usize p = dst;
  usize s = src;
  const usize end = dst + len;
#ifdef __wasm_simd128__
  // A scalar head up to 16-byte alignment of the stores: aligned v128 stores are faster.
  if (len >= 64) {
    while ((p & 15) != 0) {
      store8(p, load8(s) ^ (k & 0xff));
      k = rotr32(k, 8);
      p++;
      s++;
    }
  }
  const v128_t kv = wasm_i32x4_splat((int32_t)k);
  while (p + 64 <= end) {
    v128_t *q = (v128_t *)(uintptr_t)p;
    const v128_t *r = (const v128_t *)(uintptr_t)s;
    wasm_v128_store(q, wasm_v128_xor(wasm_v128_load(r), kv));
    wasm_v128_store(q + 1, wasm_v128_xor(wasm_v128_load(r + 1), kv));
    wasm_v128_store(q + 2, wasm_v128_xor(wasm_v128_load(r + 2), kv));
    wasm_v128_store(q + 3, wasm_v128_xor(wasm_v128_load(r + 3), kv));
    p += 64;
    s += 64;
  }
  while (p + 16 <= end) {
    wasm_v128_store((v128_t *)(uintptr_t)p, wasm_v128_xor(wasm_v128_load((const v128_t *)(uintptr_t)s), kv));
    p += 16;
    s += 16;
  }
#else
  const uint64_t k64 = (uint64_t)k | ((uint64_t)k << 32);
  while (p + 8 <= end) {
    store64(p, load64(s) ^ k64);
    p += 8;
    s += 8;
  }
#endif
  // Tail: chunks above were multiples of 4 bytes, so the key phase is unchanged here.
#ifdef __wasm_simd128__
  if (p + 8 <= end) {
    store64(p, load64(s) ^ ((uint64_t)k | ((uint64_t)k << 32)));
    p += 8;
    s += 8;
  }
#endif
  if (p + 4 <= end) {
    store32(p, load32(s) ^ k);
    p += 4;
    s += 4;
  }
  uint32_t kb = k;
  while (p < end) {
    store8(p, load8(s) ^ (kb & 0xff));
    kb = rotr32(kb, 8);
    p++;
    s++;
  }
}
