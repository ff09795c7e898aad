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
// Below this payload size a client frame is masked in JS (bench/micro/crossover.ts measured the
// crossover of a JS loop against a call into WASM at 12 B on Node and 32 B on Bun and Deno; with the
// copy into WASM memory counted, the JS loop wins up to about 32 B on all three).
const MASK_IN_JS_BELOW = 32;

export class Codec {
  readonly wasm: CodecExports;
  readonly backend: Backend;
  readonly simd: boolean;
  readonly maxMessage: number;
  /** Whether built frames are masked (the client role). */
  readonly masks: boolean;
  bytes!: Uint8Array;
  private buffer!: ArrayBuffer;
  private record!: Int32Array;
  private recordF64!: Float64Array;
  private readonly recordPtr: number;
  private rxView: Uint8Array | null = null;
  private msgView: Uint8Array | null = null;

  constructor(options: CodecOptions = {}) {
    this.backend = options.backend ?? 'as';
    this.simd = options.simd ?? simdSupported;
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
    if (!(this.maxMessage >= 0 && this.maxMessage <= MAX_MAX_MESSAGE)) {
      throw new RangeError(`maxMessage must be between 0 and ${MAX_MAX_MESSAGE}`);
    }
    this.masks = (options.role ?? Role.Client) === Role.Client;
    this.wasm = instantiateCodec(this.backend, this.simd);
    this.recordPtr = this.wasm.init(options.role ?? Role.Client, this.maxMessage, options.allowedRsv ?? 0);
    this.refresh();
  }

  /** Re-creates the views when memory has grown (growth detaches the old buffer). */
  private refresh(): void {
    const buffer = this.wasm.memory.buffer as ArrayBuffer; // not shared: the codec declares no shared memory
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
    this.record = new Int32Array(buffer, this.recordPtr, 32);
    this.recordF64 = new Float64Array(buffer, this.recordPtr, 16);
    this.rxView = null;
    this.msgView = null;
  }

  // ---- receiving ----

  /** Free space at the receive position, at least `min` bytes; read socket data straight into it. */
  rxReserve(min: number = 65536): Uint8Array {
    if (this.wasm.rx_reserve(min) === 0) throw new RangeError('wasm-ws: receive buffer limit reached');
    this.refresh();
    const ptr = this.record[Slot.RxWritePtr];
    const space = this.record[Slot.RxSpace];
    const view = this.rxView;
    if (view !== null && view.byteOffset === ptr && view.length === space) return view;
    this.rxView = new Uint8Array(this.buffer, ptr, space);
    return this.rxView;
  }

  /** `n` bytes were written into the view rxReserve returned. */
  rxCommit(n: number): void {
    this.wasm.rx_commit(n);
  }

  /** Copies `chunk` in (for runtimes that hand over their own buffers). Call after next() returned NeedMore. */
  push(chunk: Uint8Array): void {
    const view = this.rxReserve(chunk.length);
    view.set(chunk);
    this.wasm.rx_commit(chunk.length);
  }

  next(): Event {
    return this.wasm.next();
  }

  get opcode(): number {
    return this.record[Slot.Opcode];
  }
  get fin(): boolean {
    return (this.record[Slot.Flags] & 0x80) !== 0;
  }
  /** FIN and RSV1-3 as in the first header byte. */
  get flags(): number {
    return this.record[Slot.Flags];
  }
  /** The opcode of the message being assembled (1 text, 2 binary). */
  get messageOpcode(): number {
    return this.record[Slot.MsgOpcode];
  }
  /** This frame's payload, unmasked: valid until the next rxReserve. */
  payload(): Uint8Array {
    return new Uint8Array(this.buffer, this.record[Slot.PayloadPtr], this.record[Slot.PayloadLen]);
  }
  /** The message so far, contiguous: valid until the next rxReserve. Reused while it is the same bytes. */
  message(): Uint8Array {
    const ptr = this.record[Slot.MsgPtr];
    const len = this.record[Slot.MsgLen];
    const view = this.msgView;
    if (view !== null && view.byteOffset === ptr && view.length === len) return view;
    this.msgView = new Uint8Array(this.buffer, ptr, len);
    return this.msgView;
  }
  /** Close code: of a received close frame (1005 when absent), or of an error. */
  get closeCode(): number {
    return this.record[Slot.CloseCode];
  }
  get errorKind(): ErrorKind {
    return errorKinds[this.record[Slot.ErrorKind]] ?? '';
  }
  /** Stream offset of the byte at which the error was detected. */
  get errorOffset(): number {
    return this.recordF64[Slot.ErrorOffset >> 1];
  }

  // ---- sending ----

  /**
   * Builds a frame in WASM memory: `b0` is the first header byte (FIN | RSV | opcode); the payload is
   * masked with `key` when the role is client. The view is valid until the next frame is built.
   */
  frame(b0: number, payload: Uint8Array, key: number): Uint8Array {
    const len = payload.length;
    // A payload that is a view of this memory (a received message echoed back, a ping's payload) is
    // detached if reserving grows memory: keep its offset and view it again in the new buffer.
    const inMemory = payload.buffer === this.buffer;
    const offset = payload.byteOffset; // a detached view reports 0: read it first
    const ptr = this.wasm.tx_reserve(len);
    if (ptr === 0) throw new RangeError('wasm-ws: out of memory for an outgoing frame');
    if (inMemory && this.wasm.memory.buffer !== this.buffer) {
      this.refresh();
      payload = new Uint8Array(this.buffer, offset, len);
    } else this.refresh();
    if (len < MASK_IN_JS_BELOW && this.masks) return this.smallFrame(ptr, b0, payload, key);
    this.bytes.set(payload, ptr);
    return this.finish(b0, len, key);
  }

  // Copying and masking a few bytes in one JS loop is cheaper than copying them in and calling WASM.
  private smallFrame(ptr: number, b0: number, payload: Uint8Array, key: number): Uint8Array {
    const bytes = this.bytes;
    const len = payload.length;
    const start = ptr - 6;
    bytes[start] = b0;
    bytes[start + 1] = 0x80 | len;
    bytes[ptr - 4] = key;
    bytes[ptr - 3] = key >>> 8;
    bytes[ptr - 2] = key >>> 16;
    bytes[ptr - 1] = key >>> 24;
    for (let i = 0; i < len; i++) bytes[ptr + i] = payload[i] ^ bytes[ptr - 4 + (i & 3)];
    return new Uint8Array(this.buffer, start, 6 + len);
  }

  /** As frame(), encoding `text` as UTF-8 straight into the outgoing frame. */
  frameText(b0: number, text: string, key: number): Uint8Array {
    const ptr = this.wasm.tx_reserve(text.length * 3);
    if (ptr === 0) throw new RangeError('wasm-ws: out of memory for an outgoing frame');
    this.refresh();
    const { written } = encoder.encodeInto(text, this.bytes.subarray(ptr, ptr + text.length * 3));
    return this.finish(b0, written, key);
  }

  private finish(b0: number, len: number, key: number): Uint8Array {
    const start = this.wasm.tx_build(b0, len, key);
    return new Uint8Array(this.buffer, start, this.record[Slot.TxFrameLen]);
  }

  /** Payload bytes frame() can take without growing memory. */
  txSpace(): number {
    return this.wasm.tx_space();
  }

  /** Makes room for frames with `len`-byte payloads now (it may grow memory, detaching views). */
  txGrow(len: number): void {
    if (this.wasm.tx_reserve(len) === 0) throw new RangeError('wasm-ws: out of memory for an outgoing frame');
    this.refresh();
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
      this.bytes.set(body, ptr);
      this.wasm.mask(ptr, n, key, 0);
      body.set(this.bytes.subarray(ptr, ptr + n));
    }
    return out;
  }

  /** The last frame is still referenced by a pending write: build the next ones after it. */
  pin(): void {
    this.wasm.tx_pin();
  }
  /** Pending writes are done: the send region may be reused from its start. */
  release(): void {
    this.wasm.tx_release();
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
    this.refresh();
    this.bytes.set(data, ptr);
    return ptr;
  }
}
