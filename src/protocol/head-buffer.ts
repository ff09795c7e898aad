// An HTTP head as it arrives (a client reads a response into one, a server a request): bytes appended
// in any chunking, read in place by runtimes that read into a caller's buffer.
import type { HeadReader } from './receiver.ts';

const EMPTY = new Uint8Array(0);

export class HeadBuffer implements HeadReader {
  protected head: Uint8Array;
  protected length = 0;

  /** `initial`: a head's usual size; grown when more comes. */
  constructor(initial = 1024) {
    this.head = new Uint8Array(initial);
  }

  /** Free space after what has arrived, at least `min` bytes: read into it, then commit(). */
  space(min = 512): Uint8Array {
    if (this.head.length - this.length < min) {
      const grown = new Uint8Array(Math.max(this.head.length * 2, this.length + min));
      grown.set(this.head.subarray(0, this.length));
      this.head = grown;
    }
    return this.head.subarray(this.length);
  }
  commit(n: number): void {
    this.length += n;
  }
  push(chunk: Uint8Array): void {
    this.space(chunk.length).set(chunk);
    this.length += chunk.length;
  }
  /** Bytes that have arrived. */
  get received(): number {
    return this.length;
  }
  /** What has arrived is in bytes[0, received). */
  get bytes(): Uint8Array {
    return this.head;
  }
  /** Drops the bytes: a connection keeps nothing of its handshake once it has been answered. */
  release(): void {
    this.head = EMPTY;
    this.length = 0;
  }
}
