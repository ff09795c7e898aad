// permessage-deflate's compressor, one per connection (RFC 7692 §7.2): a message in, a message out.
// Each runtime brings the fastest one that keeps context between messages there (bench/micro, deflate).
import type { DeflateAgreement } from './negotiation.ts';

export interface MessageCompressor {
  /** One message compressed: a sync flush with its 00 00 ff ff dropped; null to send it uncompressed. */
  deflate(message: Uint8Array): Uint8Array | null;
  /**
   * One message decompressed (its compressed bytes, without the tail), at most `limit` bytes: beyond
   * that, or for data that is not DEFLATE, it throws an InflateError and has allocated at most about
   * `limit` bytes.
   */
  inflate(compressed: Uint8Array, limit: number): Uint8Array;
}

export type CompressorFactory = (agreement: DeflateAgreement) => MessageCompressor;

export class InflateError extends Error {
  /** True: the message inflates to more than the limit (1009); false: broken data (1007). */
  readonly tooBig: boolean;
  constructor(tooBig: boolean, message: string) {
    super(message);
    this.tooBig = tooBig;
  }
}

/** The sync flush's tail, dropped by the sender and put back by the receiver (RFC 7692 §7.2.1-2). */
export const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** `data` without its last 4 bytes, which must be the sync flush's tail. */
export function withoutTail(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n < 4 || data[n - 4] !== 0 || data[n - 3] !== 0 || data[n - 2] !== 0xff || data[n - 1] !== 0xff) {
    throw new Error('wasm-ws: the compressor did not end the message with a sync flush');
  }
  return data.subarray(0, n - 4);
}

/**
 * The last `size` bytes that went through a stream: the window a message with context takeover
 * continues. Kept in a buffer of twice that, appended to in place and slid back when full, so a small
 * message costs a copy of itself, not of the window.
 */
export class History {
  private buffer: Uint8Array | null = null;
  private end = 0;
  constructor(private readonly size: number) {}

  /** A view of the window, valid until the next add(). */
  get window(): Uint8Array {
    const buffer = this.buffer;
    if (buffer === null) return new Uint8Array(0);
    return buffer.subarray(Math.max(0, this.end - this.size), this.end);
  }

  add(data: Uint8Array): void {
    const size = this.size;
    this.buffer ??= new Uint8Array(2 * size);
    const buffer = this.buffer;
    if (data.length >= size) {
      buffer.set(data.subarray(data.length - size));
      this.end = size;
      return;
    }
    if (this.end + data.length > buffer.length) {
      // Slide the window's last (size - data.length) bytes to the front.
      const keep = Math.min(this.end, size - data.length);
      buffer.copyWithin(0, this.end - keep, this.end);
      this.end = keep;
    }
    buffer.set(data, this.end);
    this.end += data.length;
  }
}
