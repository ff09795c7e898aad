// RFC 6455 §5.3 masking: XOR with a 4-byte key, in place. v128 when built with SIMD, 8 bytes at a time otherwise.

// The key as a little-endian i32 holds key byte 0 in its low byte; starting at key byte `offset`
// is a rotation by whole bytes.
@inline export function rotateKey(key: u32, offset: i32): u32 {
  return rotr<u32>(key, <u32>((offset & 3) << 3));
}

export function maskInPlace(ptr: usize, len: usize, key: u32, offset: i32): void {
  let k = rotateKey(key, offset);
  let p = ptr;
  const end = ptr + len;
  if (ASC_FEATURE_SIMD) {
    // A scalar head up to 16-byte alignment: aligned v128 loads and stores are faster.
    if (len >= 64) {
      while ((p & 15) != 0) {
        store<u8>(p, load<u8>(p) ^ <u8>k);
        k = rotr<u32>(k, 8);
        p++;
      }
    }
    const kv = i32x4.splat(<i32>k);
    while (p + 64 <= end) {
      v128.store(p, v128.xor(v128.load(p), kv));
      v128.store(p, v128.xor(v128.load(p, 16), kv), 16);
      v128.store(p, v128.xor(v128.load(p, 32), kv), 32);
      v128.store(p, v128.xor(v128.load(p, 48), kv), 48);
      p += 64;
    }
    while (p + 16 <= end) {
      v128.store(p, v128.xor(v128.load(p), kv));
      p += 16;
    }
  } else {
    const k64 = (<u64>k) | ((<u64>k) << 32);
    while (p + 8 <= end) {
      store<u64>(p, load<u64>(p) ^ k64);
      p += 8;
    }
  }
  // Tail: chunks above were multiples of 4 bytes, so the key phase is unchanged here.
  if (ASC_FEATURE_SIMD && p + 8 <= end) {
    store<u64>(p, load<u64>(p) ^ ((<u64>k) | ((<u64>k) << 32)));
    p += 8;
  }
  if (p + 4 <= end) {
    store<u32>(p, load<u32>(p) ^ k);
    p += 4;
  }
  let kb = k;
  while (p < end) {
    store<u8>(p, load<u8>(p) ^ <u8>kb);
    kb = rotr<u32>(kb, 8);
    p++;
  }
}
