// Server frames as hex, for the scripted test servers' `frames=` parameter (runtime-neutral).
const encoder = new TextEncoder();

export function hex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
}
/** A server frame (unmasked unless `mask` is given), as hex for the scripted server's `frames`. */
export function frame(b0: number, payload: Uint8Array | string = new Uint8Array(0), mask?: number[]): string {
  const p = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const m = mask ? 0x80 : 0;
  let head: number[];
  if (p.length < 126) head = [b0, m | p.length];
  else if (p.length < 65536) head = [b0, m | 126, p.length >> 8, p.length & 255];
  else
    head = [
      b0,
      m | 127,
      0,
      0,
      0,
      0,
      (p.length >>> 24) & 255,
      (p.length >> 16) & 255,
      (p.length >> 8) & 255,
      p.length & 255,
    ];
  const body = mask ? p.map((b, i) => b ^ mask[i & 3]) : p;
  return hex(new Uint8Array([...head, ...(mask ?? [])])) + hex(body);
}
