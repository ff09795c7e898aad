// RFC 6455 §5.3 masking: XOR with a 4-byte key, in place or into another place. v128 when built with SIMD, 8 bytes at a time otherwise.

// The key as a little-endian i32 holds key byte 0 in its low byte; starting at key byte `offset`
// is a rotation by whole bytes.
@inline export function rotateKey(key: u32, offset: i32): u32 {
  return rotr<u32>(key, <u32>((offset & 3) << 3));
}

// Masks `len` bytes from `src` into `dst` (the same address: in place; otherwise not overlapping).
export function maskInto(dst: usize, src: usize, len: usize, key: u32, offset: i32): void {
  let k = rotateKey(key, offset);
  let p = dst;
  let q = src;
  const end = dst + len;
  if (ASC_FEATURE_SIMD) {
    // A scalar head up to 16-byte alignment of the stores: aligned v128 stores are faster.
    if (len >= 64) {
      while ((p & 15) != 0) {
        store<u8>(p, load<u8>(q) ^ <u8>k);
        k = rotr<u32>(k, 8);
        p++;
        q++;
      }
    }
    const kv = i32x4.splat(<i32>k);
    while (p + 64 <= end) {
      v128.store(p, v128.xor(v128.load(q), kv));
      v128.store(p, v128.xor(v128.load(q, 16), kv), 16);
      v128.store(p, v128.xor(v128.load(q, 32), kv), 32);
      v128.store(p, v128.xor(v128.load(q, 48), kv), 48);
      p += 64;
      q += 64;
    }
    while (p + 16 <= end) {
      v128.store(p, v128.xor(v128.load(q), kv));
      p += 16;
      q += 16;
    }
  } else {
    const k64 = (<u64>k) | ((<u64>k) << 32);
    while (p + 8 <= end) {
      store<u64>(p, load<u64>(q) ^ k64);
      p += 8;
      q += 8;
    }
  }
  // Tail: chunks above were multiples of 4 bytes, so the key phase is unchanged here.
  if (ASC_FEATURE_SIMD && p + 8 <= end) {
    store<u64>(p, load<u64>(q) ^ ((<u64>k) | ((<u64>k) << 32)));
    p += 8;
    q += 8;
  }
  if (p + 4 <= end) {
    store<u32>(p, load<u32>(q) ^ k);
    p += 4;
    q += 4;
  }
  let kb = k;
  while (p < end) {
    store<u8>(p, load<u8>(q) ^ <u8>kb);
    kb = rotr<u32>(kb, 8);
    p++;
    q++;
  }
}

@inline export function maskInPlace(ptr: usize, len: usize, key: u32, offset: i32): void {
  maskInto(ptr, ptr, len, key, offset);
}
