// The codec ABI (assembly/ABI.md), shared by the AssemblyScript and C backends.

export enum Event {
  NeedMore = 0,
  Data = 1,
  Ping = 2,
  Pong = 3,
  Close = 4,
  Error = 5,
}

export enum Slot {
  Event = 0,
  Opcode = 1,
  Flags = 2,
  PayloadPtr = 3,
  PayloadLen = 4,
  MsgPtr = 5,
  MsgLen = 6,
  MsgOpcode = 7,
  CloseCode = 8,
  ErrorKind = 9,
  RxWritePtr = 10,
  RxSpace = 11,
  ErrorOffset = 12, // f64 over slots 12-13
  TxFramePtr = 14,
  TxFrameLen = 15,
}

export enum Role {
  Client = 0,
  Server = 1,
}

export enum Opcode {
  Continuation = 0,
  Text = 1,
  Binary = 2,
  Close = 8,
  Ping = 9,
  Pong = 10,
}

/** Stable names for the codec's error kinds, indexed by kind. */
export const errorKinds = [
  '',
  'RSV_SET',
  'RESERVED_OPCODE',
  'CONTROL_FRAGMENTED',
  'CONTROL_TOO_LONG',
  'UNEXPECTED_CONTINUATION',
  'EXPECTED_CONTINUATION',
  'LENGTH_MSB_SET',
  'MASK_UNEXPECTED',
  'MASK_REQUIRED',
  'CLOSE_PAYLOAD_ONE_BYTE',
  'CLOSE_CODE_INVALID',
  'INVALID_UTF8',
  'INVALID_UTF8_CLOSE_REASON',
  'MESSAGE_TOO_BIG',
] as const;

export type ErrorKind = (typeof errorKinds)[number];

/** The part of a WebAssembly.Memory the codec uses (typed structurally: @types/node declares no WebAssembly). */
export interface CodecMemory {
  readonly buffer: ArrayBufferLike;
  grow(delta: number): number;
}

export interface CodecExports {
  memory: CodecMemory;
  abi_version(): number;
  init(): number;
  ctx_new(role: number, maxMessage: number, allowedRsv: number): number;
  ctx_free(ctx: number): void;
  ctx_select(ctx: number): void;
  ctx_park(): number;
  rx_area(): number;
  rx_reserve(min: number): number;
  rx_commit(n: number): void;
  next(): number;
  tx_reserve(len: number): number;
  tx_build(b0: number, len: number, key: number, masked: number): number;
  tx_space(): number;
  tx_pin(): void;
  tx_release(): void;
  mask(ptr: number, len: number, key: number, keyOffset: number): void;
  utf8_validate(ptr: number, len: number): number;
}

export const ABI_VERSION = 2;
