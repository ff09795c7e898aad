// The send path: frames built in the codec's send region (or, when too large for it, outside WASM
// memory so nothing grows under a view a read or a callback holds), one write per frame, the pin on
// frames a transport still reads, pongs coalesced under backpressure, and the send-buffer limits.
import { Opcode } from '../codec/abi.ts';
import type { Codec } from '../codec/codec.ts';
import type { Transport } from '../transport.ts';
import type { MessageCompressor } from '../deflate/compressor.ts';
import { joined } from '../bytes.ts';
import { nextMaskKey } from './mask-keys.ts';

const FIN = 0x80;
const RSV1 = 0x40;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
// Every ping is answered while less than this waits to be sent (Autobahn 2.10 expects a pong per ping);
// past it, the newest ping's payload waits for the drain: a ping flood costs a fixed amount.
const PONG_BACKLOG = 64 * 1024;
// Pings in one read answered each; past this, only the read's newest (RFC 6455 §5.5.3 allows answering
// only the most recent ping): a read full of pings costs a pong or two, not one per ping.
const PONGS_PER_READ = 32;
// The send region grows to hold frames up to this payload size, and no further: WASM memory never
// shrinks, so a larger frame is built in a JS buffer each time rather than leaving the region that large.
const TX_REGION_PAYLOAD_MAX = 1024 * 1024 - 16;

/** What the sender tells its connection. */
export interface SenderOwner {
  /** More than `limit` bytes wait: the connection fails; the sender destroys the transport after this. */
  overflowed(limit: number): void;
}

export class Sender {
  transport: Transport | null = null;
  private pinned = false;
  // A frame too large for the send region was built outside WASM memory: grow the region at the next safe point.
  private txWanted = 0;
  private pendingPong: Uint8Array | null = null;
  // Pongs answered while a read is processed, written together when it ends (or before any other
  // frame): a flood of pings from a peer that reads promptly costs one write per read, not one per ping
  // (a write each would keep the event loop from everything else for seconds).
  private reading = false;
  // Made at the first pong answered within a read: most connections never get a ping.
  private pongs: Uint8Array[] | null = null;
  private pongBytes = 0;
  // permessage-deflate, once agreed: data messages of `threshold` bytes or more are compressed.
  private compressor: MessageCompressor | null = null;
  private threshold = 0;

  constructor(
    private readonly codec: Codec,
    private readonly maxBuffered: number,
    private readonly highWaterMark: number,
    // The connection itself rather than a callback: no closure per connection.
    private readonly owner: SenderOwner,
  ) {}

  /** Bytes handed to the transport and not yet given to the operating system. */
  get bufferedAmount(): number {
    return this.transport?.bufferedAmount ?? 0;
  }

  /** Data messages from now on are compressed when they have `threshold` bytes or more. */
  compress(compressor: MessageCompressor, threshold: number): void {
    this.compressor = compressor;
    this.threshold = threshold;
  }

  /** A whole data message (b0: FIN and the opcode): compressed, with RSV1, when that is agreed and worth it. */
  message(b0: number, payload: Uint8Array): boolean {
    const compressor = this.compressor;
    if (compressor !== null && payload.length >= this.threshold) {
      const compressed = compressor.deflate(payload);
      if (compressed !== null) return this.frame(b0 | RSV1, compressed);
    }
    return this.frame(b0, payload);
  }

  /** Writes one frame; false when the caller should wait for a drain before sending more. */
  frame(b0: number, payload: Uint8Array): boolean {
    const codec = this.codec;
    if (payload.length < codec.txSpace()) return this.write(codec.frame(b0, payload, this.maskKey()));
    if (payload.length <= TX_REGION_PAYLOAD_MAX) this.txWanted = Math.max(this.txWanted, payload.length);
    // Built in a JS buffer, not in WASM memory: nothing there to pin.
    return this.write(codec.frameDetached(b0, payload, this.maskKey()), false);
  }

  /** A text message, encoded straight into the send region when it fits and is not to be compressed. */
  text(b0: number, text: string): boolean {
    const compressing = this.compressor !== null && text.length * 3 >= this.threshold;
    if (!compressing && text.length * 3 < this.codec.txSpace()) {
      return this.write(this.codec.frameText(b0, text, this.maskKey()));
    }
    return this.message(b0, encoder.encode(text));
  }

  /** A close frame: no code, or a code and a reason (checked by the caller). */
  close(code: number | undefined, reason: string): void {
    this.pendingPong = null;
    if (code === undefined) {
      this.frame(FIN | Opcode.Close, EMPTY);
      return;
    }
    const reasonBytes = encoder.encode(reason);
    const payload = new Uint8Array(2 + reasonBytes.length);
    payload[0] = code >> 8;
    payload[1] = code & 0xff;
    payload.set(reasonBytes, 2);
    this.frame(FIN | Opcode.Close, payload);
  }

  /** Answers a ping with its payload (RFC 6455 §5.5.3), or keeps only the newest one under backpressure. */
  answerPing(payload: Uint8Array): void {
    if (this.transport === null) return;
    if (this.transport.bufferedAmount + this.pongBytes >= PONG_BACKLOG) {
      this.pendingPong = payload.slice();
      return;
    }
    // Answering this ping answers any older one still waiting (RFC 6455 §5.5.3): sent after it, that
    // older pong would go out of order.
    this.pendingPong = null;
    if (!this.reading) {
      this.frame(FIN | Opcode.Pong, payload);
      return;
    }
    this.pongs ??= [];
    const pongs = this.pongs;
    if (pongs.length >= PONGS_PER_READ) {
      this.pendingPong = payload.slice();
      return;
    }
    const pong = this.codec.frameDetached(FIN | Opcode.Pong, payload, this.maskKey());
    pongs.push(pong);
    this.pongBytes += pong.length;
  }

  /** A read is being processed: pongs wait for its end. */
  beginRead(): void {
    this.reading = true;
  }

  /** The read is processed: its pongs go in one write, then the newest of those past the backlog if there is room. */
  endRead(): void {
    this.reading = false;
    this.writePongs();
    const pong = this.pendingPong;
    if (pong !== null && this.transport !== null && this.transport.bufferedAmount < PONG_BACKLOG) {
      this.pendingPong = null;
      this.frame(FIN | Opcode.Pong, pong);
    }
  }

  private writePongs(): void {
    const pongs = this.pongs;
    if (pongs === null || pongs.length === 0) return;
    const batch = joined(pongs, this.pongBytes);
    pongs.length = 0;
    this.pongBytes = 0;
    this.write(batch, false);
  }

  /**
   * No view of WASM memory is held by a pending read or by user code here: memory may grow. Only while
   * no write holds a frame in the send region, which would otherwise grow past it, again and again
   * under a steady backlog.
   */
  growAtSafePoint(): void {
    if (this.txWanted > 0 && !this.codec.txPinned()) {
      this.codec.txGrow(this.txWanted);
      this.txWanted = 0;
    }
  }

  /** Everything written has left: the send region is free again, and a waiting pong goes. */
  onDrain(): void {
    if (this.pinned) {
      this.codec.release();
      this.pinned = false;
    }
    const pong = this.pendingPong;
    if (pong !== null) {
      this.pendingPong = null;
      this.frame(FIN | Opcode.Pong, pong);
    }
  }

  /** The connection is done: nothing more goes out, and its frames no longer hold the send region. */
  finish(): void {
    this.pendingPong = null;
    this.pongs = null;
    this.pongBytes = 0;
    if (this.pinned) {
      this.codec.release();
      this.pinned = false;
    }
  }

  /** A fresh key per frame for a client (RFC 6455 §5.3); a server's frames are not masked. */
  private maskKey(): number {
    return this.codec.masks ? nextMaskKey() : 0;
  }

  private write(frame: Uint8Array, inWasm = true): boolean {
    const transport = this.transport;
    if (transport === null) return false;
    // Pongs of the read under way go first: frames leave in the order they were made.
    if (this.pongBytes > 0) this.writePongs();
    if (!transport.write(frame) && inWasm) {
      // The transport still reads this frame from WASM memory: build the next ones after it.
      this.codec.pin();
      this.pinned = true;
    }
    const buffered = transport.bufferedAmount;
    if (buffered > this.maxBuffered) {
      this.owner.overflowed(this.maxBuffered);
      transport.destroy();
      return false;
    }
    return buffered < this.highWaterMark;
  }
}
