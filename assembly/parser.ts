// The incremental frame parser (RFC 6455 §5): an explicit state machine over a receive region in
// this module's memory. Bytes are read into the region by the caller, then parsed in place:
// payloads are unmasked, UTF-8-checked as they arrive (fail-fast), and fragments of one message are
// moved together so that a finished message is one contiguous view.
import * as E from "./errors";
import { maskInPlace, rotateKey } from "./mask";
import { utf8Feed, utf8Init, utf8Reset, utf8State, utf8ErrorIndex, utf8Validate, UTF8_ACCEPT } from "./utf8";
import { allocRegion, growRegion, MAX_REGION } from "./regions";
import * as R from "./record";

export const NEED_MORE: i32 = 0;
export const DATA: i32 = 1;
export const PING: i32 = 2;
export const PONG: i32 = 3;
export const CLOSE: i32 = 4;
export const ERROR: i32 = 5;

export const ROLE_CLIENT: i32 = 0;
export const ROLE_SERVER: i32 = 1;

const INITIAL_RX: usize = 65536;
const MAX_CONTROL_FRAME: usize = 2 + 8 + 4 + 125; // the most unparsed bytes kept besides a message

let role: i32 = ROLE_CLIENT;
let maxMessage: usize = 64 << 20;
let allowedRsv: u32 = 0;

let rxBase: usize = 0;
let rxCap: usize = 0;
let readPos: usize = 0; // next unparsed byte
let writePos: usize = 0; // end of received bytes
let fed: f64 = 0; // bytes fed since init, to locate errors in the stream

// The data message being assembled.
let msgActive: bool = false;
let msgOpcode: i32 = 0;
let msgStart: usize = 0;
let msgLen: usize = 0;

// The data frame whose payload is arriving.
let inFrame: bool = false;
let frOpcode: i32 = 0;
let frFlags: i32 = 0;
let frLen: usize = 0;
let frDone: usize = 0;
let frKey: u32 = 0;
let frMasked: bool = false;
let frPayload: usize = 0;

let failed: bool = false;

export function parserInit(r: i32, max: usize, rsv: u32): void {
  role = r;
  maxMessage = max;
  allowedRsv = rsv & 0x70;
  if (rxBase == 0) {
    rxBase = allocRegion(INITIAL_RX);
    rxCap = INITIAL_RX;
  }
  readPos = writePos = msgStart = rxBase;
  msgActive = inFrame = failed = false;
  msgLen = frLen = frDone = 0;
  fed = 0;
  utf8Init();
  utf8Reset();
}

function fail(kind: i32, at: usize): i32 {
  failed = true;
  R.put(R.CLOSE_CODE, E.closeCodeOf(kind));
  R.put(R.ERROR_KIND, kind);
  R.putOffset(fed - <f64>(writePos - at));
  return ERROR;
}

export function rxReserve(min: usize): usize {
  if (!msgActive && readPos == writePos) {
    readPos = writePos = msgStart = rxBase;
  } else if (rxBase + rxCap - writePos < min) {
    compact();
  }
  const used = writePos - rxBase;
  if (rxCap - used < min) {
    // Bounded: besides the message (≤ maxMessage), at most a partial header or control frame waits.
    if (used > maxMessage + MAX_CONTROL_FRAME || min > MAX_REGION - used) return 0;
    let cap = rxCap << 1;
    while (cap < used + min) cap <<= 1;
    const base = growRegion(rxBase, rxCap, cap);
    if (base == 0) return 0;
    if (base != rxBase) {
      memory.copy(base, rxBase, used);
      const delta = base - rxBase;
      readPos += delta;
      writePos += delta;
      msgStart += delta;
      frPayload += delta;
      rxBase = base;
    }
    rxCap = cap;
  }
  R.put(R.RX_WRITE_PTR, <i32>writePos);
  R.put(R.RX_SPACE, <i32>(rxBase + rxCap - writePos));
  return writePos;
}

// Moves the assembled message, then the unparsed bytes, to the start of the region.
function compact(): void {
  let dst = rxBase;
  if (msgActive) {
    if (msgStart != dst) memory.copy(dst, msgStart, msgLen);
    frPayload = frPayload - msgStart + dst;
    msgStart = dst;
    dst += msgLen;
  }
  const unparsed = writePos - readPos;
  if (readPos != dst) memory.copy(dst, readPos, unparsed);
  readPos = dst;
  writePos = dst + unparsed;
}

export function rxCommit(n: usize): void {
  writePos += n;
  fed += <f64>n;
}

// Opcodes (RFC 6455 §5.2).
const OP_CONTINUATION: i32 = 0;
const OP_TEXT: i32 = 1;
const OP_BINARY: i32 = 2;
const OP_CLOSE: i32 = 8;
const OP_PING: i32 = 9;
const OP_PONG: i32 = 10;

// The header being read (set by readHeader, as ws's receiver keeps its _fin, _opcode, _payloadLength).
let hdB0: u32 = 0;
let hdOpcode: i32 = 0;
let hdMasked: bool = false;
let hdSize: usize = 0; // header bytes, mask key included
let hdLen: usize = 0; // payload length
let hdKey: u32 = 0;

// One event per call: the payload of the data frame under way, else the next frame's header, then
// that frame (a control frame whole; a data frame's payload as it arrives).
export function next(): i32 {
  if (failed) return ERROR;
  while (true) {
    if (inFrame) return continueFrame();
    const header = readHeader();
    if (header != DATA) return header; // NEED_MORE or ERROR
    if (hdOpcode >= OP_CLOSE) return controlFrame();
    startDataFrame();
  }
  return NEED_MORE;
}

// Reads and checks a whole header at readPos: the first two bytes (readInfo), the extended length and
// the mask key. DATA when it is complete, NEED_MORE when not all of it has arrived, or ERROR.
function readHeader(): i32 {
  const avail = writePos - readPos;
  if (avail < 2) return NEED_MORE;
  const p = readPos;
  const info = readInfo(p);
  if (info != DATA) return info;
  const len7 = <u32>load<u8>(p + 1) & 0x7f;
  let size: usize = 2;
  let len: usize = <usize>len7;
  if (len7 == 126) {
    if (avail < 4) return NEED_MORE;
    len = <usize>bswap<u16>(load<u16>(p + 2));
    size = 4;
  } else if (len7 == 127) {
    if (avail < 10) return NEED_MORE;
    const len64 = bswap<u64>(load<u64>(p + 2));
    if ((len64 >> 63) != 0) return fail(E.LENGTH_MSB_SET, p + 2);
    if (len64 > <u64>maxMessage) return fail(E.MESSAGE_TOO_BIG, p + 9);
    len = <usize>len64;
    size = 10;
  }
  if (hdOpcode < OP_CLOSE) {
    const before: usize = hdOpcode == OP_CONTINUATION ? msgLen : 0;
    if (len > maxMessage || before + len > maxMessage) return fail(E.MESSAGE_TOO_BIG, p + size - 1);
  }
  if (hdMasked) size += 4;
  if (avail < size) return NEED_MORE;
  hdSize = size;
  hdLen = len;
  hdKey = hdMasked ? load<u32>(p + size - 4) : 0;
  return DATA;
}

// The first two header bytes: FIN, RSV bits, opcode, mask bit and the 7-bit length, checked against
// the role, the negotiated RSV bits and the message under way.
function readInfo(p: usize): i32 {
  const b0 = <u32>load<u8>(p);
  const b1 = <u32>load<u8>(p + 1);
  const fin = (b0 & 0x80) != 0;
  const opcode = <i32>(b0 & 0x0f);
  const control = opcode >= OP_CLOSE;
  if ((b0 & 0x70 & ~allowedRsv) != 0) return fail(E.RSV_SET, p);
  if ((opcode > OP_BINARY && opcode < OP_CLOSE) || opcode > OP_PONG) return fail(E.RESERVED_OPCODE, p);
  if (control && !fin) return fail(E.CONTROL_FRAGMENTED, p);
  if (opcode == OP_CONTINUATION && !msgActive) return fail(E.UNEXPECTED_CONTINUATION, p);
  if ((opcode == OP_TEXT || opcode == OP_BINARY) && msgActive) return fail(E.EXPECTED_CONTINUATION, p);
  const masked = (b1 & 0x80) != 0;
  if (masked && role == ROLE_CLIENT) return fail(E.MASK_UNEXPECTED, p + 1);
  if (!masked && role == ROLE_SERVER) return fail(E.MASK_REQUIRED, p + 1);
  if (control && (b1 & 0x7f) > 125) return fail(E.CONTROL_TOO_LONG, p + 1);
  hdB0 = b0;
  hdOpcode = opcode;
  hdMasked = masked;
  return DATA;
}

// A control frame, whole (at most 125 bytes, never fragmented): unmasked and checked in place.
function controlFrame(): i32 {
  const len = hdLen;
  if (writePos - readPos < hdSize + len) return NEED_MORE;
  const payload = readPos + hdSize;
  if (hdMasked) maskInPlace(payload, len, hdKey, 0);
  let code: i32 = 1005;
  if (hdOpcode == OP_CLOSE) {
    if (len == 1) return fail(E.CLOSE_PAYLOAD_ONE_BYTE, payload);
    if (len >= 2) {
      code = <i32>bswap<u16>(load<u16>(payload));
      if (!E.isValidCloseCode(code)) return fail(E.CLOSE_CODE_INVALID, payload + 1);
      const bad = utf8Validate(payload + 2, len - 2);
      if (bad >= 0) return fail(E.INVALID_UTF8_CLOSE_REASON, payload + 2 + <usize>bad);
    }
  }
  readPos = payload + len;
  R.put(R.OPCODE, hdOpcode);
  R.put(R.FLAGS, <i32>(hdB0 & 0xf0));
  R.put(R.PAYLOAD_PTR, <i32>payload);
  R.put(R.PAYLOAD_LEN, <i32>len);
  R.put(R.CLOSE_CODE, code);
  return hdOpcode == OP_PING ? PING : hdOpcode == OP_PONG ? PONG : CLOSE;
}

// A data frame's header is read: its payload follows the message so far (a new message starts here).
function startDataFrame(): void {
  readPos += hdSize;
  if (hdOpcode != OP_CONTINUATION) {
    msgActive = true;
    msgOpcode = hdOpcode;
    msgStart = readPos;
    msgLen = 0;
    utf8Reset();
  }
  inFrame = true;
  frOpcode = hdOpcode;
  frFlags = <i32>(hdB0 & 0xf0);
  frLen = hdLen;
  frDone = 0;
  frKey = hdKey;
  frMasked = hdMasked;
  frPayload = msgStart + msgLen;
}

// Takes in what has arrived of the current data frame's payload; reports the frame when complete.
function continueFrame(): i32 {
  const n = min(writePos - readPos, frLen - frDone);
  if (n > 0) {
    const src = readPos;
    if (frMasked) maskInPlace(src, n, rotateKey(frKey, <i32>(frDone & 3)), 0);
    if (msgOpcode == OP_TEXT && !utf8Feed(src, n)) return fail(E.INVALID_UTF8, src + <usize>utf8ErrorIndex);
    const dst = msgStart + msgLen;
    if (dst != src) memory.copy(dst, src, n);
    msgLen += n;
    frDone += n;
    readPos += n;
  }
  if (frDone < frLen) return NEED_MORE;
  inFrame = false;
  const fin = (frFlags & 0x80) != 0;
  if (fin) {
    if (msgOpcode == OP_TEXT && utf8State != UTF8_ACCEPT) return fail(E.INVALID_UTF8, readPos);
    msgActive = false;
  }
  R.put(R.OPCODE, frOpcode);
  R.put(R.FLAGS, frFlags);
  R.put(R.PAYLOAD_PTR, <i32>frPayload);
  R.put(R.PAYLOAD_LEN, <i32>frLen);
  R.put(R.MSG_PTR, <i32>msgStart);
  R.put(R.MSG_LEN, <i32>msgLen);
  R.put(R.MSG_OPCODE, msgOpcode);
  return DATA;
}
