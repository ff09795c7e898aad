// One codec instance: typed views over its memory (refreshed in one place after growth) and thin
// methods over the ABI. No copy between JS and WASM beyond what a caller asks for.
import { type Event, Role, Slot, errorKinds, type CodecExports, type ErrorKind } from './abi.ts';
import { instantiateCodec, simdSupported, type Backend } from './loader.ts';

export interface CodecOptions {
  /** Client (default) rejects masked frames; server requires them. */
  role?: Role;
  /** Largest frame or reassembled message in bytes (default 64 MiB); larger ones fail with 1009. */
  maxMessage?: number;
  /** RSV bits a negotiated extension uses (default none: any RSV bit fails with 1002). */
  allowedRsv?: number;
  backend?: Backend;
  /** Force the SIMD (true) or scalar (false) build; default: SIMD where supported. */
  simd?: boolean;
}

export const DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024;
const MAX_MAX_MESSAGE = 1024 * 1024 * 1024;
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
// Below this payload size a client frame is masked in JS (bench/micro/crossover.ts measured the
// crossover of a JS loop against a call into WASM at 12 B on Node and 32 B on Bun and Deno; with the
// copy into WASM memory counted, the JS loop wins up to about 32 B on all three).
const MASK_IN_JS_BELOW = 32;
// From this payload size, a payload that is a view of the codec's memory is copied by the codec,
// masked on the way, rather than copied in by JS and masked after (one pass over it instead of two).
const COPY_IN_CODEC_FROM = 16 * 1024;
// The longest frame header (the codec's MAX_HEADER): it is written right before the payload.
const MAX_HEADER = 14;
// Bytes go into a context's own block rather than the shared receive area when there are this many: a
// read, when the block holds a message under way and has this much room after it (a smaller read would
// cost a call into the runtime more); a chunk a runtime hands over, when it is at least this large.
const OWN_BLOCK_FROM = 16 * 1024;
/** Bytes in the shared receive area (SHARED_RX in the codec). */
export const SHARED_AREA = 64 * 1024;

/**
 * `last` when it views the same bytes, else a new view of them. A view of a detached buffer reports
 * offset 0 and length 0, and nothing the codec hands out starts at address 0: it is never taken for one.
 */
function sameOrNewView(
  last: Uint8Array<ArrayBuffer>,
  buffer: ArrayBuffer,
  ptr: number,
  len: number,
): Uint8Array<ArrayBuffer> {
  return last.byteOffset === ptr && last.length === len ? last : new Uint8Array(buffer, ptr, len);
}

/**
 * The codec module of one backend and build for this thread (JS realm): its memory, the views over it
 * (refreshed in one place after growth), the record and the send region, shared by every Codec made
 * from it. Memory grows only in rxReserve/push, txGrow and when a context is made: at safe points.
 */
export class SharedCodec {
  private static readonly instances = new Map<string, SharedCodec>();
  readonly wasm: CodecExports;
  /** The whole memory; empty until the first refresh() and once growth has detached it. */
  bytes: Uint8Array = EMPTY;
  buffer!: ArrayBuffer;
  record!: Int32Array;
  recordF64!: Float64Array;
  private readonly recordPtr: number;
  /** The context the module has selected (the module keeps the same). */
  current = 0;
  /** Contexts whose last frame a transport still reads from the send region. */
  pins = 0;
  /** The shared receive area (runtimes that read into a caller's buffer read here). */
  area!: Uint8Array;
  /** Where the shared receive area begins (it never moves). */
  readonly areaPtr: number;
  private lastView = EMPTY;

  static for(backend: Backend, simd: boolean): SharedCodec {
    const key = `${backend}-${simd}`;
    let shared = SharedCodec.instances.get(key);
    if (!shared) {
      shared = new SharedCodec(instantiateCodec(backend, simd));
      SharedCodec.instances.set(key, shared);
    }
    return shared;
  }

  private constructor(wasm: CodecExports) {
    this.wasm = wasm;
    this.recordPtr = wasm.init();
    if (this.recordPtr === 0) throw new RangeError('wasm-ws: out of memory starting the codec');
    this.areaPtr = wasm.rx_area();
    this.refresh();
  }

  /**
   * Re-creates the views when memory has grown. Growth detaches the old buffer, which empties every
   * view of it: a view's length is the cheap test (`memory.buffer` is a getter that costs a call into
   * the engine on JavaScriptCore, ~1 µs per round trip at three per message).
   */
  refresh(): void {
    if (this.bytes.length !== 0) return;
    const buffer = this.wasm.memory.buffer as ArrayBuffer; // not shared: the codec declares no shared memory
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
    this.record = new Int32Array(buffer, this.recordPtr, 32);
    this.recordF64 = new Float64Array(buffer, this.recordPtr, 16);
    this.area = new Uint8Array(buffer, this.areaPtr, SHARED_AREA);
  }

  /**
   * A view of `len` bytes at `start`: the last one made when it is the same bytes. Frames are built at
   * the start of the send region whenever no write is pending, so one view serves every connection.
   */
  view(start: number, len: number): Uint8Array {
    this.lastView = sameOrNewView(this.lastView, this.buffer, start, len);
    return this.lastView;
  }

  select(ctx: number): void {
    if (this.current !== ctx) {
      // Parks the context selected before, whose incomplete message may move into a block: memory may grow.
      this.wasm.ctx_select(ctx);
      this.current = ctx;
      this.refresh();
    }
  }
}

/**
 * A parser context in the thread's shared codec (one per connection) and thin methods over the ABI.
 * No copy between JS and WASM beyond what a caller asks for. The context is made at the first read
 * (a safe point: making it may grow memory) and returned by free().
 */
export class Codec {
  readonly shared: SharedCodec;
  readonly wasm: CodecExports;
  readonly backend: Backend;
  readonly simd: boolean;
  readonly maxMessage: number;
  /** Whether built frames are masked (the client role). */
  readonly masks: boolean;
  private readonly role: Role;
  private allowedRsv: number;
  private ctx = 0;
  // The last views of free receive space and of the message handed out, reused while the same bytes.
  private rxView = EMPTY;
  private msgView = EMPTY;
  // Free space after a message under way in the context's own block, as the last park() left it: where
  // its next read can go in place (0: the shared area). Any other use of the context forgets it.
  private ownPtr = 0;
  private ownSpace = 0;
  // Where the buffer readArea() returned last begins: where the read that follows it landed.
  private readAt: number;

  constructor(options: CodecOptions = {}) {
    this.backend = options.backend ?? 'as';
    this.simd = options.simd ?? simdSupported;
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
    if (!(this.maxMessage >= 0 && this.maxMessage <= MAX_MAX_MESSAGE)) {
      throw new RangeError(`maxMessage must be between 0 and ${MAX_MAX_MESSAGE}`);
    }
    this.role = options.role ?? Role.Client;
    this.allowedRsv = options.allowedRsv ?? 0;
    this.masks = this.role === Role.Client;
    this.shared = SharedCodec.for(this.backend, this.simd);
    this.wasm = this.shared.wasm;
    this.readAt = this.shared.areaPtr;
  }

  /** Allows RSV bits an extension negotiated (0x40: permessage-deflate), before the first read. */
  allowRsv(rsv: number): void {
    if (this.ctx !== 0) throw new Error('wasm-ws: RSV bits are set before the context is made');
    this.allowedRsv = rsv & 0x70;
  }

  /** The module's memory, viewed whole (for tests and primitives). */
  get bytes(): Uint8Array {
    this.shared.refresh();
    return this.shared.bytes;
  }

  /** Selects this codec's context in the module, making it first. */
  private use(): void {
    const shared = this.shared;
    if (this.ctx === 0) {
      this.ctx = this.wasm.ctx_new(this.role, this.maxMessage, this.allowedRsv);
      if (this.ctx === 0) throw new RangeError('wasm-ws: out of memory for a connection');
      shared.current = this.ctx;
      shared.refresh();
    } else shared.select(this.ctx);
  }

  /** Returns the context (and any buffer it holds) to the module; the codec can be used again after. */
  free(): void {
    this.ownSpace = 0;
    if (this.ctx === 0) return;
    this.wasm.ctx_free(this.ctx); // selects it first, and leaves nothing selected
    this.shared.current = 0;
    this.ctx = 0;
    this.rxView = this.msgView = EMPTY;
  }

  /** Starts over: a fresh context with the same options (for tests). */
  reset(): void {
    this.free();
    this.use();
  }

  // ---- receiving ----

  /**
   * Free space at the receive position, at least `min` bytes; read socket data straight into it. With
   * `own`, a context holding nothing gets a block of its own rather than the shared area (for bytes
   * copied in from elsewhere: see push()).
   */
  rxReserve(min: number = 65536, own = false): Uint8Array {
    this.use();
    this.ownSpace = 0;
    const at = own ? this.wasm.rx_reserve_own(min) : this.wasm.rx_reserve(min);
    if (at === 0) throw new RangeError('wasm-ws: receive buffer limit reached');
    const shared = this.shared;
    shared.refresh();
    this.rxView = sameOrNewView(
      this.rxView,
      shared.buffer,
      shared.record[Slot.RxWritePtr],
      shared.record[Slot.RxSpace],
    );
    return this.rxView;
  }

  /** `n` bytes were written into the view rxReserve returned. */
  rxCommit(n: number): void {
    this.use();
    this.wasm.rx_commit(n);
  }

  /**
   * Where to read the next bytes: the thread's shared receive area (never moves, never grows memory;
   * every connection reads into it, one read at a time, and hands the bytes over with receive()), or,
   * while a large message is under way, the free space after it in this context's own block, so that
   * its later reads are not copied. Neither moves until this context takes the read with receive(),
   * provided the context is not used before then: a context whose frames are handled first (held
   * frames, on a timer) is parked afterwards by whichever context the module selects next, which may
   * trade or free its block. Such a context asks with `inPlace` false, for the shared area.
   */
  readArea(inPlace = true): Uint8Array {
    const shared = this.shared;
    shared.refresh();
    const space = this.ownSpace;
    if (inPlace && space >= OWN_BLOCK_FROM) {
      this.readAt = this.ownPtr;
      this.rxView = sameOrNewView(this.rxView, shared.buffer, this.ownPtr, space);
      return this.rxView;
    }
    this.readAt = shared.areaPtr;
    return shared.area;
  }

  /**
   * `n` bytes were read into readArea(): this context takes them, in place when they are where its next
   * bytes go (it had nothing pending and they are in the shared area, or they are in its own block),
   * copied after its incomplete message otherwise.
   */
  receive(n: number): void {
    this.use();
    this.ownSpace = 0;
    const shared = this.shared;
    const at = this.wasm.rx_reserve(n);
    if (at === 0) throw new RangeError('wasm-ws: receive buffer limit reached');
    shared.refresh();
    const from = this.readAt;
    if (at !== from) shared.bytes.copyWithin(at, from, from + n);
    this.wasm.rx_commit(n);
  }

  /**
   * Copies `chunk` in (for runtimes that hand over their own buffers). Call after next() returned NeedMore.
   * A large chunk goes into a block of the context's own: if it starts a large message, parking it then
   * costs no second copy.
   */
  push(chunk: Uint8Array): void {
    const view = this.rxReserve(chunk.length, chunk.length >= OWN_BLOCK_FROM);
    view.set(chunk);
    this.wasm.rx_commit(chunk.length);
  }

  /**
   * The read has been processed: an incomplete message moves out of the shared receive area into a
   * buffer of this context's own; a context with nothing pending holds none. Call after next() returned
   * NeedMore (or the connection stopped reading), before another context reads.
   */
  park(): void {
    if (this.ctx === 0) return;
    const shared = this.shared;
    shared.select(this.ctx);
    const space = this.wasm.ctx_park();
    if (space < 0) throw new RangeError('wasm-ws: out of memory for an incomplete message');
    shared.refresh();
    this.ownSpace = space;
    this.ownPtr = space > 0 ? shared.record[Slot.RxWritePtr] : 0;
  }

  /**
   * The message under way, when this context holds at least `min` bytes of it: a view of those bytes,
   * to be copied out at once (before anything else calls the codec), which the context drops (they
   * still count toward maxMessage). Null otherwise. The message's later bytes, and the DATA event that
   * completes it, then carry only what came after.
   */
  spill(min: number): Uint8Array | null {
    if (this.ctx === 0) return null;
    this.shared.select(this.ctx);
    const n = this.wasm.ctx_spill(min);
    if (n === 0) return null;
    const { record, buffer } = this.shared;
    return new Uint8Array(buffer, record[Slot.MsgPtr], n);
  }

  next(): Event {
    this.use();
    return this.wasm.next();
  }

  get opcode(): number {
    return this.shared.record[Slot.Opcode];
  }
  get fin(): boolean {
    return (this.shared.record[Slot.Flags] & 0x80) !== 0;
  }
  /** FIN and RSV1-3 as in the first header byte. */
  get flags(): number {
    return this.shared.record[Slot.Flags];
  }
  /** The opcode of the message being assembled (1 text, 2 binary). */
  get messageOpcode(): number {
    return this.shared.record[Slot.MsgOpcode];
  }
  /** The RSV bits of the message's first frame (RSV1: compressed, with permessage-deflate). */
  get messageRsv(): number {
    return this.shared.record[Slot.MsgRsv];
  }
  /** This frame's payload, unmasked: valid until the next rxReserve, push or park. */
  payload(): Uint8Array {
    const { record, buffer } = this.shared;
    return new Uint8Array(buffer, record[Slot.PayloadPtr], record[Slot.PayloadLen]);
  }
  /** The message so far, contiguous: valid until the next rxReserve, push or park. Reused while it is the same bytes. */
  message(): Uint8Array {
    const { record, buffer } = this.shared;
    this.msgView = sameOrNewView(this.msgView, buffer, record[Slot.MsgPtr], record[Slot.MsgLen]);
    return this.msgView;
  }
  /** Close code: of a received close frame (1005 when absent), or of an error. */
  get closeCode(): number {
    return this.shared.record[Slot.CloseCode];
  }
  get errorKind(): ErrorKind {
    return errorKinds[this.shared.record[Slot.ErrorKind]] ?? '';
  }
  /** Stream offset of the byte at which the error was detected. */
  get errorOffset(): number {
    return this.shared.recordF64[Slot.ErrorOffset >> 1];
  }

  // ---- sending ----

  /**
   * Builds a frame in WASM memory: `b0` is the first header byte (FIN | RSV | opcode); the payload is
   * masked with `key` when the role is client. The view is valid until the next frame is built.
   */
  frame(b0: number, payload: Uint8Array, key: number): Uint8Array {
    const len = payload.length;
    const offset = payload.byteOffset; // a detached view reports 0: read it first
    const shared = this.shared;
    // A large payload that is a view of this memory (a received message echoed back) is copied and
    // masked in one pass by the codec. Only large ones are asked: on JavaScriptCore, `buffer` makes an
    // ArrayBuffer for a typed array that had none.
    const inMemory = len >= COPY_IN_CODEC_FROM && payload.buffer === shared.buffer;
    const ptr = this.wasm.tx_reserve(len);
    if (ptr === 0) throw new RangeError('wasm-ws: out of memory for an outgoing frame');
    if (shared.bytes.length === 0) {
      // Memory grew. A payload that is a view of it (a received message echoed back, a ping's payload)
      // is detached now, so it lost its length: view the same bytes in the new buffer.
      shared.refresh();
      if (payload.length !== len) payload = new Uint8Array(shared.buffer, offset, len);
    }
    if (len < MASK_IN_JS_BELOW && this.masks) return this.smallFrame(ptr, b0, payload, key);
    // Apart from the frame, header included (the caller's view is never in the send region, but a
    // stale one could be).
    if (inMemory && (offset + len <= ptr - MAX_HEADER || offset >= ptr + len)) return this.finish(b0, len, key, offset);
    shared.bytes.set(payload, ptr);
    return this.finish(b0, len, key, 0);
  }

  // Copying and masking a few bytes in one JS loop is cheaper than copying them in and calling WASM.
  private smallFrame(ptr: number, b0: number, payload: Uint8Array, key: number): Uint8Array {
    const bytes = this.shared.bytes;
    const len = payload.length;
    const start = ptr - 6;
    bytes[start] = b0;
    bytes[start + 1] = 0x80 | len;
    bytes[ptr - 4] = key;
    bytes[ptr - 3] = key >>> 8;
    bytes[ptr - 2] = key >>> 16;
    bytes[ptr - 1] = key >>> 24;
    for (let i = 0; i < len; i++) bytes[ptr + i] = payload[i] ^ bytes[ptr - 4 + (i & 3)];
    return this.shared.view(start, 6 + len);
  }

  /** As frame(), encoding `text` as UTF-8 straight into the outgoing frame. */
  frameText(b0: number, text: string, key: number): Uint8Array {
    const ptr = this.wasm.tx_reserve(text.length * 3);
    if (ptr === 0) throw new RangeError('wasm-ws: out of memory for an outgoing frame');
    this.shared.refresh();
    const { written } = encoder.encodeInto(text, this.shared.bytes.subarray(ptr, ptr + text.length * 3));
    return this.finish(b0, written, key, 0);
  }

  /** The header, and the payload masked for a client: from `src` in this memory, or in place (0). */
  private finish(b0: number, len: number, key: number, src: number): Uint8Array {
    const start = this.wasm.tx_build(b0, len, key, this.masks ? 1 : 0, src);
    return this.shared.view(start, this.shared.record[Slot.TxFrameLen]);
  }

  /** Payload bytes frame() can take without growing memory. */
  txSpace(): number {
    return this.wasm.tx_space();
  }

  /** Makes room for frames with `len`-byte payloads now (it may grow memory, detaching views). */
  txGrow(len: number): void {
    if (this.wasm.tx_reserve(len) === 0) throw new RangeError('wasm-ws: out of memory for an outgoing frame');
    this.shared.refresh();
  }

  /**
   * As frame(), into a new JS buffer and without growing WASM memory: for frames larger than
   * txSpace() while a view of the memory must stay attached. Masking runs in WASM over chunks.
   */
  frameDetached(b0: number, payload: Uint8Array, key: number): Uint8Array {
    const len = payload.length;
    const lengthBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
    const header = 2 + lengthBytes + (this.masks ? 4 : 0);
    const out = new Uint8Array(header + len);
    out[0] = b0;
    out[1] = (this.masks ? 0x80 : 0) | (lengthBytes === 0 ? len : lengthBytes === 2 ? 126 : 127);
    const view = new DataView(out.buffer);
    if (lengthBytes === 2) view.setUint16(2, len);
    else if (lengthBytes === 8) view.setBigUint64(2, BigInt(len));
    out.set(payload, header);
    if (!this.masks) return out;
    view.setInt32(header - 4, key, true);
    const chunk = this.txSpace() & ~3;
    for (let at = 0; at < len; at += chunk) {
      const n = Math.min(chunk, len - at);
      if (chunk < 64) {
        for (let i = at; i < len; i++) out[header + i] ^= out[header - 4 + (i & 3)];
        break;
      }
      const ptr = this.wasm.tx_reserve(n); // within txSpace(): no growth
      const body = out.subarray(header + at, header + at + n);
      const bytes = this.shared.bytes;
      bytes.set(body, ptr);
      this.wasm.mask(ptr, n, key, 0);
      body.set(bytes.subarray(ptr, ptr + n));
    }
    return out;
  }

  /**
   * The last frame is still referenced by a pending write: build the next ones after it. Counted across
   * the contexts sharing the send region; call release() once per pin().
   */
  pin(): void {
    this.shared.pins++;
    this.wasm.tx_pin();
  }
  /** Whether a pending write of any context still reads a frame in the send region. */
  txPinned(): boolean {
    return this.shared.pins > 0;
  }
  /** This context's pending writes are done: once no context has any, the send region is reused from its start. */
  release(): void {
    if (this.shared.pins > 0 && --this.shared.pins === 0) this.wasm.tx_release();
  }

  // ---- primitives, for tests and benchmarks ----

  /** Masks `data` (copied in and out) with `key` starting at key byte `offset`. */
  mask(data: Uint8Array, key: number, offset: number = 0): Uint8Array {
    const ptr = this.scratch(data);
    this.wasm.mask(ptr, data.length, key, offset);
    return this.bytes.slice(ptr, ptr + data.length);
  }

  /** -1 if `data` is valid UTF-8, else the index of the first byte that makes it invalid. */
  validateUtf8(data: Uint8Array): number {
    return this.wasm.utf8_validate(this.scratch(data), data.length);
  }

  /** Copies `data` into the send region and returns its address. */
  scratch(data: Uint8Array): number {
    const ptr = this.wasm.tx_reserve(data.length);
    if (ptr === 0) throw new RangeError('wasm-ws: out of memory');
    this.bytes.set(data, ptr);
    return ptr;
  }
}
