// Buffers for writes that must be copied (Deno's: see DenoTransport.write), shared by a thread's connections
// and reused once written. A fresh buffer per write is what makes Deno's sends slow: writing to a socket
// from a fresh copy (`slice()`) against a reused buffer, alternating in one process, took ~20.5 against
// ~16.3 µs a write at 8 KiB and ~5.1 against ~4.4 µs at 256 B (in the copy, and in `op_write`); at 100 KB
// the echo server did 5.8k round trips a second with fresh buffers and 10.5k with reused ones.
//
// Buffers come in power-of-two sizes, from 256 B to 4 MiB, one free list per size: a write takes one of the
// smallest size that holds it (what is in flight is never more than twice what is buffered), with no search.
// Each list keeps at most `perSize` buffers and all of them at most `maxBytes`; larger writes are copied
// into buffers of their own, not kept.
const SMALLEST = 8; // 256 B
const LARGEST = 22; // 4 MiB

export class WriteBuffers {
  private readonly free: ArrayBuffer[][] = Array.from({ length: LARGEST + 1 }, () => []);
  private keptBytes = 0;

  constructor(
    private readonly perSize = 16,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  /**
   * A copy of `data`, in a buffer of the pool's; `exact`, or over 4 MiB, in one of its own of just its size
   * (for writes that queue behind others: see DenoTransport.write).
   */
  copy(data: Uint8Array, exact = false): Uint8Array {
    const n = data.length;
    const shift = n <= 1 << SMALLEST ? SMALLEST : 32 - Math.clz32(n - 1);
    if (exact || shift > LARGEST) return data.slice();
    const buffer = this.free[shift].pop();
    if (buffer) this.keptBytes -= buffer.byteLength;
    const copy = new Uint8Array(buffer ?? new ArrayBuffer(1 << shift), 0, n);
    copy.set(data);
    return copy;
  }

  /** The write of `copy` (from copy()) is done: its buffer is kept for another, if there is room. */
  giveBack(copy: Uint8Array): void {
    const buffer = copy.buffer as ArrayBuffer;
    const size = buffer.byteLength;
    const shift = 31 - Math.clz32(size);
    if (size !== 1 << shift || shift < SMALLEST || shift > LARGEST) return; // not one of ours
    const list = this.free[shift];
    if (list.length >= this.perSize || this.keptBytes + size > this.maxBytes) return;
    list.push(buffer);
    this.keptBytes += size;
  }

  /** Bytes kept for reuse (tests). */
  get kept(): number {
    return this.keptBytes;
  }
}
