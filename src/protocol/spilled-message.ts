// A message too large to assemble in the codec's memory, which never shrinks: its bytes so far, copied
// out of the codec after each read, joined to the last part when the message completes.
import { joined } from '../bytes.ts';

export class SpilledMessage {
  // Made at the first part: most connections never spill a message.
  private parts: Uint8Array[] | null = null;
  private length = 0;

  get active(): boolean {
    return this.length > 0;
  }

  /** Copies `bytes` (a view of codec memory, valid only now). */
  add(bytes: Uint8Array): void {
    this.parts ??= [];
    this.parts.push(bytes.slice());
    this.length += bytes.length;
  }

  /** The whole message: what was added, then `tail`, in one new buffer; this starts over empty. */
  finish(tail: Uint8Array): Uint8Array {
    const message = joined([...(this.parts ?? []), tail], this.length + tail.length);
    this.clear();
    return message;
  }

  clear(): void {
    this.parts = null;
    this.length = 0;
  }
}
