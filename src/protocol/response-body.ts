// The body of a response that refused the upgrade (a 4xx or 5xx): servers put the reason there. Read
// up to MAX_BODY bytes: by Content-Length, by chunked transfer coding, or until the socket closes.
import { joined, latin1 } from '../bytes.ts';
import type { ResponseHead } from './handshake.ts';

/** The most of a refusing response's body that is kept. */
export const MAX_BODY = 4096;

/**
 * The body so far, decoded from `bytes` (what followed the head), once it is complete or MAX_BODY
 * bytes long, or once `closed` (the socket ended: whatever came); null while more is expected.
 */
export function responseBody(head: ResponseHead, bytes: Uint8Array, closed: boolean): Uint8Array | null {
  const length = head.headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) {
    const want = Math.min(Number(length), MAX_BODY);
    return bytes.length >= want || closed ? bytes.subarray(0, want) : null;
  }
  if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) {
    const { body, complete } = dechunk(bytes);
    return complete || body.length >= MAX_BODY || closed ? body.subarray(0, MAX_BODY) : null;
  }
  return bytes.length >= MAX_BODY || closed ? bytes.subarray(0, MAX_BODY) : null;
}

/** Chunked transfer coding (RFC 9112 §7.1), as far as it has arrived. */
function dechunk(bytes: Uint8Array): { body: Uint8Array; complete: boolean } {
  const parts: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  for (;;) {
    const lineEnd = indexOfCrlf(bytes, at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(latin1.decode(bytes.subarray(at, lineEnd)).split(';')[0], 16);
    if (!Number.isFinite(size)) break;
    if (size === 0) return { body: joined(parts, total), complete: true };
    const start = lineEnd + 2;
    const chunk = bytes.subarray(start, Math.min(bytes.length, start + size));
    parts.push(chunk);
    total += chunk.length;
    if (chunk.length < size || total >= MAX_BODY) break;
    at = start + size + 2;
  }
  return { body: joined(parts, total), complete: false };
}

function indexOfCrlf(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) if (bytes[i] === 13 && bytes[i + 1] === 10) return i;
  return -1;
}
