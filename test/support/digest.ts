// What fuzzers' servers and clients use to recognise an echoed message without keeping it.

/** A 32-bit hash (FNV-1a) with the length. */
export function digest(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193);
  return `${data.length}:${(h >>> 0).toString(16)}`;
}
