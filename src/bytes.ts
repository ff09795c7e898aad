// Byte buffers joined, for the pieces that assemble messages in JS memory (large messages moved out of
// the codec, compressed and inflated messages, a refusal's body); Latin-1 text, as HTTP heads are read
// and written.

/** Decodes an HTTP head (or any bytes) one byte to one character. */
export const latin1 = new TextDecoder('latin1');

/** `text`, one character to one byte (its characters are all below U+0100). */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

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
