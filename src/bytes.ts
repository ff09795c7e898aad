// Byte buffers joined, for the pieces that assemble messages in JS memory (large messages moved out of
// the codec, compressed and inflated messages, a refusal's body).

/** `parts` in one buffer of `length` bytes (their total); the one part itself when there is one. */
export function joined(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
