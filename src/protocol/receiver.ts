// The receive dispatcher: where each read goes (the handshake head, the codec, or nowhere), and the
// codec's events handed to the connection. After a close frame, a failure or the end, bytes are read
// and dropped, never parsed or kept. Frames that came with the 101 wait until connect() has settled.
import type { Codec } from '../codec/codec.ts';
import { Event, Opcode } from '../codec/abi.ts';
import { InflateError, type MessageCompressor } from '../deflate/compressor.ts';
import { SpilledMessage } from './spilled-message.ts';

// Where bytes go that nobody reads (after a close frame or a failure): one buffer for every connection of
// the thread, as what lands in it is never looked at.
const DISCARD = new Uint8Array(64 * 1024);
const HELD_MAX = 256 * 1024;
// A message under way that holds more than this in the codec after a read is moved out of it: the
// codec's memory never shrinks, so it keeps at most this (plus a read) per connection, whatever the
// peer sends; larger messages are assembled in JS memory, which the collector reclaims.
const SPILL_ABOVE = 256 * 1024;
const EMPTY = new Uint8Array(0);
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function isUtf8(data: Uint8Array): boolean {
  try {
    strictDecoder.decode(data);
    return true;
  } catch {
    return false;
  }
}

/** The opening handshake's head, read as it arrives (a response, or a request on a server). */
export interface HeadReader {
  /** Free space after what has arrived, at least `min` bytes: read into it, then commit(). */
  space(min?: number): Uint8Array;
  commit(n: number): void;
  push(chunk: Uint8Array): void;
}

/** What the receiver needs from its connection. */
export interface ReceiverOwner {
  /** The opening handshake is under way: bytes are the response head. */
  readonly connecting: boolean;
  /** Frames are still wanted. */
  readonly receiving: boolean;
  readonly handshake: HeadReader;
  /** Response bytes arrived: judge the head. */
  onHead(): void;
  onMessage(data: Uint8Array, isText: boolean): void;
  onPing(): void;
  onPong(payload: Uint8Array): void;
  onCloseFrame(code: number, payload: Uint8Array): void;
  onProtocolError(): void;
  /** A compressed message is bad once inflated: too big (1009), not DEFLATE or not UTF-8 (1007). */
  onBadMessage(closeCode: number, kind: string, why: string): void;
  /** Something threw inside the engine: fail the connection rather than throw into the runtime. */
  failInternal(error: unknown): void;
  /** A safe point: no view of WASM memory is held; a pending send-region growth can happen now. */
  growAtSafePoint(): void;
}

// Where the bytes of a read go.
const Target = { Discard: 0, Head: 1, Codec: 2 } as const;
type Target = (typeof Target)[keyof typeof Target];

export class Receiver {
  // Which buffer the bytes of the next onRead() went into: the state may change between the two calls.
  private target: Target = Target.Discard;
  private headView: Uint8Array = EMPTY;
  private held = false;
  private heldTimer: ReturnType<typeof setTimeout> | undefined;
  // Bytes read while frames are held, and the size of the last read: past HELD_MAX (a peer streaming
  // faster than a timer fires), they are delivered at once rather than buffered.
  private heldBytes = 0;
  private lastRead = 0;
  // Events are being handed to the connection: the context is freed only after (a view is in use).
  private busy = false;
  private freeWhenDone = false;
  // The part of a large message moved out of the codec so far.
  private readonly spilled = new SpilledMessage();
  /** permessage-deflate's, once agreed: messages with RSV1 are inflated. */
  compressor: MessageCompressor | null = null;

  constructor(
    private readonly codec: Codec,
    private readonly owner: ReceiverOwner,
  ) {}

  /** Where the transport reads next (runtimes that read into a caller's buffer). */
  readBuffer(): Uint8Array {
    const owner = this.owner;
    if (owner.connecting) {
      this.target = Target.Head;
      this.headView = owner.handshake.space();
      return this.headView;
    }
    this.target = Target.Discard;
    if (!owner.receiving) return DISCARD;
    this.target = Target.Codec;
    // Held frames are handled by their timer, before the read this buffer is for: not in place.
    return this.codec.readArea(!this.held);
  }

  /** `n` bytes were read into the buffer readBuffer() returned last. */
  onRead(n: number): void {
    const target = this.target;
    this.target = Target.Discard;
    const owner = this.owner;
    try {
      if (target === Target.Head) {
        const headView = this.headView;
        this.headView = EMPTY; // an open connection keeps no part of the handshake
        if (owner.connecting) {
          owner.handshake.commit(n);
          owner.onHead();
        } else if (owner.receiving) {
          // The handshake completed between the runtime's asking for a buffer and this read's end:
          // these bytes are frames (the connection may already be closing).
          this.onChunk(headView.subarray(0, n));
        }
      } else if (target === Target.Codec && owner.receiving) {
        owner.growAtSafePoint();
        this.codec.receive(n);
        this.lastRead = n;
        this.release();
      }
    } catch (error) {
      owner.failInternal(error);
    }
  }

  /** A chunk in the runtime's own buffer (runtimes that hand theirs over): copied into the codec once. */
  onChunk(chunk: Uint8Array): void {
    const owner = this.owner;
    try {
      if (owner.connecting) {
        owner.handshake.push(chunk);
        owner.onHead();
        return;
      }
      if (chunk.length === 0 || !owner.receiving) return;
      owner.growAtSafePoint();
      // Whole, however large (the runtimes here hand over at most 64 KiB, but nothing promises it): a
      // large chunk goes into a block of the context's own, which parking trades for one that fits
      // what is still pending, so a context keeps no more than a read's worth plus its message.
      this.codec.push(chunk);
      this.lastRead = chunk.length;
      this.release();
    } catch (error) {
      owner.failInternal(error);
    }
  }

  /**
   * Frames that came with the response (and any read before the timer): into the codec now, delivered by a timer, which runs after
   * connect() has settled and the microtasks that await it. Reads that come first are taken in behind
   * them, not delivered (on Deno a read completes as a promise, possibly among those microtasks), up to
   * HELD_MAX bytes.
   */
  hold(frames: Uint8Array): void {
    if (!this.owner.receiving) return;
    if (frames.length > 0) {
      this.owner.growAtSafePoint();
      this.codec.push(frames);
      this.codec.park(); // out of the shared area: other connections read into it before these are delivered
    }
    // Held even when none came with the 101: the next read may complete before connect() has settled.
    this.held = true;
    this.heldTimer = setTimeout(() => this.release(false), 0);
  }

  /** Delivers held frames, if any: the socket closed and they arrived before it did. */
  flush(): void {
    if (this.held) this.release(false);
  }

  /** The connection is done: no timer outlives it. */
  stop(): void {
    clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    this.held = false;
    this.heldBytes = 0;
  }

  /** Returns the codec context and its buffers; after the events under way, if any (their views are in use). */
  free(): void {
    this.spilled.clear();
    if (this.busy) this.freeWhenDone = true;
    else this.codec.free();
  }

  /**
   * Delivers what the codec holds (held frames: only from their timer, or when the socket closed). After a read, the context
   * is parked; outside one (held frames on a timer) it is left as it is, since a runtime may hold the
   * buffer readBuffer() returned for the read still to come (Node's onread does).
   */
  private release(afterRead = true): void {
    if (this.held && afterRead) {
      this.heldBytes += this.lastRead;
      // Within the receive limit, a peer's bytes wait behind the held frames; past it, all go now.
      if (this.heldBytes <= Math.min(HELD_MAX, this.codec.maxMessage >> 1)) {
        this.park();
        return;
      }
    }
    if (this.held) this.stop();
    this.busy = true;
    try {
      if (this.owner.receiving) this.process();
    } finally {
      this.busy = false;
    }
    if (this.freeWhenDone) {
      this.freeWhenDone = false;
      this.codec.free();
    } else if (afterRead) this.park();
  }

  /** The read is processed: a large message under way leaves the codec, and what remains is parked. */
  private park(): void {
    const codec = this.codec;
    const bytes = codec.spill(SPILL_ABOVE);
    if (bytes !== null) this.spilled.add(bytes);
    codec.park();
  }

  /** A compressed message, inflated and its text checked; null when it is bad (the owner is told). */
  private inflate(compressed: Uint8Array, isText: boolean): Uint8Array | null {
    const limit = this.codec.maxMessage;
    let data: Uint8Array;
    try {
      data = this.compressor!.inflate(compressed, limit);
    } catch (error) {
      if (!(error instanceof InflateError)) throw error;
      if (error.tooBig)
        this.owner.onBadMessage(
          1009,
          'MESSAGE_TOO_BIG',
          `a compressed message inflates to more than maxMessage (${limit} bytes)`,
        );
      else this.owner.onBadMessage(1007, 'INVALID_DEFLATE', `a compressed message is not valid: ${error.message}`);
      return null;
    }
    if (isText && !isUtf8(data)) {
      this.owner.onBadMessage(1007, 'INVALID_UTF8', 'a compressed text message is not valid UTF-8 once inflated');
      return null;
    }
    return data;
  }

  /** Hands every event the codec has for what was received so far to the connection. */
  private process(): void {
    const codec = this.codec;
    const owner = this.owner;
    for (;;) {
      switch (codec.next()) {
        case Event.NeedMore:
          return;
        case Event.Data:
          if (codec.fin) {
            const spilled = this.spilled;
            const isText = codec.messageOpcode === Opcode.Text;
            let data = spilled.active ? spilled.finish(codec.message()) : codec.message();
            if ((codec.messageRsv & 0x40) !== 0) {
              const inflated = this.inflate(data, isText);
              if (inflated === null) return;
              data = inflated;
            }
            owner.onMessage(data, isText);
          }
          break;
        case Event.Ping:
          owner.onPing();
          break;
        case Event.Pong:
          owner.onPong(codec.payload());
          break;
        case Event.Close:
          owner.onCloseFrame(codec.closeCode, codec.payload());
          return;
        case Event.Error:
          owner.onProtocolError();
          return;
      }
      if (!owner.receiving) return;
    }
  }
}
