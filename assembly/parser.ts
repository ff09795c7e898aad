// The incremental frame parser (RFC 6455 §5): an explicit state machine over a receive region in
// this module's memory. Bytes are read into the region by the caller, then parsed in place:
// payloads are unmasked, UTF-8-checked as they arrive (fail-fast), and fragments of one message are
// moved together so that a finished message is one contiguous view.
import { maskInPlace, rotateKey } from "./mask";
import { utf8Feed, utf8Init, utf8Reset, utf8State, utf8ErrorIndex, utf8Validate, UTF8_ACCEPT, setUtf8State } from "./utf8";
import { allocRegion, MAX_REGION, AT_AREA } from "./regions";
import { blockAlloc, blockCapacity, blockFree, blockShrinksTo } from "./blocks";
import { put, putOffset } from "./record";
import {
  NEED_MORE, DATA, PING, PONG, CLOSE, ERROR, ROLE_CLIENT, ROLE_SERVER,
  OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG,
  R_OPCODE, R_FLAGS, R_PAYLOAD_PTR, R_PAYLOAD_LEN, R_MSG_PTR, R_MSG_LEN, R_MSG_OPCODE, R_CLOSE_CODE, R_ERROR_KIND,
  R_RX_WRITE_PTR, R_RX_SPACE, R_MSG_RSV,
  E_RSV_SET, E_RESERVED_OPCODE, E_CONTROL_FRAGMENTED, E_CONTROL_TOO_LONG, E_UNEXPECTED_CONTINUATION,
  E_EXPECTED_CONTINUATION, E_LENGTH_MSB_SET, E_MASK_UNEXPECTED, E_MASK_REQUIRED, E_CLOSE_PAYLOAD_ONE_BYTE,
  E_CLOSE_CODE_INVALID, E_INVALID_UTF8, E_INVALID_UTF8_CLOSE_REASON, E_MESSAGE_TOO_BIG,
  closeCodeOf, isValidCloseCode,
} from "./abi";



const SHARED_RX: usize = 65536;
const MIN_OWNED: usize = 1024;
const MAX_CONTROL_FRAME: usize = 2 + 8 + 4 + 125; // the most unparsed bytes kept besides a message

// One module serves every connection of a thread. Reads land in the shared receive area; a connection
// whose message (or frame header) is incomplete when its read has been processed moves those bytes into
// a block of its own (ctxPark), read into until the message completes, then returned. The parser works
// on the selected context's state, held in the globals below and saved into its block on a switch.
let sharedBase: usize = 0;
let current: usize = 0; // the selected context

let role: i32 = ROLE_CLIENT;
let maxMessage: usize = 64 << 20;
let allowedRsv: u32 = 0;

let rxBase: usize = 0;
let rxCap: usize = 0;
let owned: bool = false; // rxBase is a block of this context's, not the shared area
let readPos: usize = 0; // next unparsed byte
let writePos: usize = 0; // end of received bytes
let fed: f64 = 0; // bytes fed since the context began, to locate errors in the stream

// The data message being assembled.
let msgActive: bool = false;
let msgOpcode: i32 = 0;
let msgRsv: i32 = 0; // RSV bits of its first frame (RSV1: compressed, with permessage-deflate)
let msgStart: usize = 0;
let msgLen: usize = 0; // bytes held here (from msgStart)
let spilled: usize = 0; // bytes the caller took out with ctxSpill (they count toward maxMessage)

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

// A context's block: the state above, field by field (ABI.md, "Contexts").
const C_ROLE: usize = 0;
const C_MAX_MESSAGE: usize = 4;
const C_ALLOWED_RSV: usize = 8;
const C_RX_BASE: usize = 12;
const C_RX_CAP: usize = 16;
const C_READ_POS: usize = 20;
const C_WRITE_POS: usize = 24;
const C_MSG_OPCODE: usize = 28;
const C_MSG_START: usize = 32;
const C_MSG_LEN: usize = 36;
const C_FR_OPCODE: usize = 40;
const C_FR_FLAGS: usize = 44;
const C_FR_LEN: usize = 48;
const C_FR_DONE: usize = 52;
const C_FR_KEY: usize = 56;
const C_FR_PAYLOAD: usize = 60;
const C_UTF8_STATE: usize = 64;
const C_BITS: usize = 68; // owned, msgActive, inFrame, frMasked, failed
const C_FED: usize = 72; // f64
const C_SPILLED: usize = 80;
const C_MSG_RSV: usize = 84;
export const CONTEXT_SIZE: usize = 88;

function save(ctx: usize): void {
  store<i32>(ctx + C_ROLE, role);
  store<u32>(ctx + C_MAX_MESSAGE, <u32>maxMessage);
  store<u32>(ctx + C_ALLOWED_RSV, allowedRsv);
  store<u32>(ctx + C_RX_BASE, <u32>rxBase);
  store<u32>(ctx + C_RX_CAP, <u32>rxCap);
  store<u32>(ctx + C_READ_POS, <u32>readPos);
  store<u32>(ctx + C_WRITE_POS, <u32>writePos);
  store<i32>(ctx + C_MSG_OPCODE, msgOpcode);
  store<u32>(ctx + C_MSG_START, <u32>msgStart);
  store<u32>(ctx + C_MSG_LEN, <u32>msgLen);
  store<i32>(ctx + C_FR_OPCODE, frOpcode);
  store<i32>(ctx + C_FR_FLAGS, frFlags);
  store<u32>(ctx + C_FR_LEN, <u32>frLen);
  store<u32>(ctx + C_FR_DONE, <u32>frDone);
  store<u32>(ctx + C_FR_KEY, frKey);
  store<u32>(ctx + C_FR_PAYLOAD, <u32>frPayload);
  store<u32>(ctx + C_UTF8_STATE, utf8State);
  const bits =
    (owned ? 1 : 0) | (msgActive ? 2 : 0) | (inFrame ? 4 : 0) | (frMasked ? 8 : 0) | (failed ? 16 : 0);
  store<u32>(ctx + C_BITS, bits);
  store<f64>(ctx + C_FED, fed);
  store<u32>(ctx + C_SPILLED, <u32>spilled);
  store<i32>(ctx + C_MSG_RSV, msgRsv);
}

function restore(ctx: usize): void {
  role = load<i32>(ctx + C_ROLE);
  maxMessage = <usize>load<u32>(ctx + C_MAX_MESSAGE);
  allowedRsv = load<u32>(ctx + C_ALLOWED_RSV);
  rxBase = <usize>load<u32>(ctx + C_RX_BASE);
  rxCap = <usize>load<u32>(ctx + C_RX_CAP);
  readPos = <usize>load<u32>(ctx + C_READ_POS);
  writePos = <usize>load<u32>(ctx + C_WRITE_POS);
  msgOpcode = load<i32>(ctx + C_MSG_OPCODE);
  msgStart = <usize>load<u32>(ctx + C_MSG_START);
  msgLen = <usize>load<u32>(ctx + C_MSG_LEN);
  frOpcode = load<i32>(ctx + C_FR_OPCODE);
  frFlags = load<i32>(ctx + C_FR_FLAGS);
  frLen = <usize>load<u32>(ctx + C_FR_LEN);
  frDone = <usize>load<u32>(ctx + C_FR_DONE);
  frKey = load<u32>(ctx + C_FR_KEY);
  frPayload = <usize>load<u32>(ctx + C_FR_PAYLOAD);
  setUtf8State(load<u32>(ctx + C_UTF8_STATE));
  const bits = load<u32>(ctx + C_BITS);
  owned = (bits & 1) != 0;
  msgActive = (bits & 2) != 0;
  inFrame = (bits & 4) != 0;
  frMasked = (bits & 8) != 0;
  failed = (bits & 16) != 0;
  fed = load<f64>(ctx + C_FED);
  spilled = <usize>load<u32>(ctx + C_SPILLED);
  msgRsv = load<i32>(ctx + C_MSG_RSV);
}

// The shared receive area: where a runtime that reads into a caller's buffer reads (SHARED_RX bytes).
export function sharedArea(): usize {
  return sharedBase;
}

// The shared receive area, made once.
export function parserInit(): bool {
  if (sharedBase == 0) sharedBase = allocRegion(SHARED_RX, AT_AREA);
  utf8Init();
  return sharedBase != 0;
}

// A new context (a connection's parser state) in a block of its own; 0 if memory is exhausted.
export function ctxNew(r: i32, max: usize, rsv: u32): usize {
  const ctx = blockAlloc(CONTEXT_SIZE);
  if (ctx == 0) return 0;
  leave();
  current = ctx;
  role = r;
  maxMessage = max;
  allowedRsv = rsv & 0x70;
  owned = msgActive = inFrame = frMasked = failed = false;
  rxBase = readPos = writePos = msgStart = sharedBase;
  rxCap = SHARED_RX;
  msgOpcode = msgRsv = frOpcode = frFlags = 0;
  msgLen = spilled = frLen = frDone = frPayload = 0;
  frKey = 0;
  fed = 0;
  utf8Reset();
  save(ctx);
  return ctx;
}

export function ctxSelect(ctx: usize): void {
  if (ctx == current) return;
  leave();
  restore(ctx);
  current = ctx;
}

// Returns the context's block and its buffer.
export function ctxFree(ctx: usize): void {
  ctxSelect(ctx);
  if (owned) blockFree(rxBase);
  blockFree(ctx);
  current = 0;
}

// The read has been processed: see park(). -1 if memory is exhausted; otherwise the free bytes after
// what the context holds in a block of its own, where its next read can go in place (also put in the
// record as RX_WRITE_PTR and RX_SPACE), or 0 when it holds none (its next read goes to the shared area).
export function ctxPark(): i32 {
  if (current == 0) return 0;
  const ok = park();
  save(current);
  if (!ok) return -1;
  if (!owned) return 0;
  const space = rxBase + rxCap - writePos;
  put(R_RX_WRITE_PTR, <i32>writePos);
  put(R_RX_SPACE, <i32>space);
  return <i32>space;
}

// The message under way holds at least `min` bytes: they go to the caller (put in the record, copied out
// by the caller before anything else runs here) and leave this context, still counted toward
// maxMessage. Returns how many (0: fewer than `min`, or no message under way). Large messages are thus
// assembled outside this memory, which never shrinks: it holds at most `min` plus a read per message.
export function ctxSpill(min: usize): usize {
  if (current == 0 || !msgActive || msgLen == 0 || msgLen < min) return 0;
  const n = msgLen;
  put(R_MSG_PTR, <i32>msgStart);
  put(R_MSG_LEN, <i32>n);
  spilled += n;
  msgLen = 0;
  frPayload = msgStart; // the frame under way (if any) continues from here
  save(current);
  return n;
}

// Nothing held: no message bytes (none yet, or all spilled) and no unparsed bytes.
function holdsNothing(): bool {
  return (!msgActive || msgLen == 0) && readPos == writePos;
}

// The selected context stops using the shared area (another is selected): its pending bytes move out.
function leave(): void {
  if (current == 0) return;
  if (!park()) failed = true; // memory exhausted: the context reports an error from now on
  save(current);
}

// An incomplete message or frame moves out of the shared area into a block of the context's own, sized
// for what its header announced; a context with nothing pending holds no buffer.
function park(): bool {
  if (holdsNothing()) {
    toShared();
    return true;
  }
  const used = (msgActive ? msgLen : 0) + (writePos - readPos);
  // Room for what the frame still announces, up to one more read: a peer announcing a large frame and
  // sending little gets a small block (rxReserve grows it as bytes come, doubling, up to maxMessage).
  let rest = inFrame ? frLen - frDone : 0;
  if (rest > SHARED_RX) rest = SHARED_RX;
  if (rest < MIN_OWNED) rest = MIN_OWNED;
  const need = used + rest;
  // An owned block of a larger class than that needs (a large chunk pushed whole, or a message spilled)
  // is traded for one that fits: a context keeps at most about twice what it holds plus a read. Only
  // then: parked again with nothing new (whenever another context is selected) it keeps its block, where
  // a runtime may be reading in place (the free space ctx_park offered).
  if (owned && (rxCap <= SHARED_RX || !blockShrinksTo(rxBase, need))) return true;
  return moveTo(need);
}

// Nothing held: the next read goes to the shared area, and an owned block is returned.
function toShared(): void {
  if (owned) blockFree(rxBase);
  owned = false;
  rxBase = readPos = writePos = msgStart = frPayload = sharedBase;
  rxCap = SHARED_RX;
}

// Moves the message so far, then the unparsed bytes, to the start of a new block of at least `cap` bytes.
function moveTo(cap: usize): bool {
  const block = blockAlloc(cap);
  if (block == 0) return false;
  let dst = block;
  if (msgActive) {
    memory.copy(dst, msgStart, msgLen);
    frPayload = frPayload - msgStart + dst;
    msgStart = dst;
    dst += msgLen;
  }
  const unparsed = writePos - readPos;
  memory.copy(dst, readPos, unparsed);
  readPos = dst;
  writePos = dst + unparsed;
  if (owned) blockFree(rxBase);
  owned = true;
  rxBase = block;
  rxCap = blockCapacity(block);
  return true;
}

function fail(kind: i32, at: usize): i32 {
  failed = true;
  put(R_CLOSE_CODE, closeCodeOf(kind));
  put(R_ERROR_KIND, kind);
  putOffset(fed - <f64>(writePos - at));
  return ERROR;
}

export function rxReserve(min: usize): usize {
  // With nothing held the shared area serves, but an own block with room stays for this read: the
  // caller may have read into it in place (as ctxPark offered), and frames since handled no park.
  if (holdsNothing() && !(owned && rxBase + rxCap - writePos >= min)) {
    toShared();
  } else if (rxBase + rxCap - writePos < min) {
    compact();
  }
  const used = writePos - rxBase;
  if (rxCap - used < min) {
    // Bounded: besides the message (≤ maxMessage), at most a partial header or control frame waits.
    if (used > maxMessage + MAX_CONTROL_FRAME || min > MAX_REGION - used) return 0;
    if (!moveTo(used + min)) return 0;
  }
  put(R_RX_WRITE_PTR, <i32>writePos);
  put(R_RX_SPACE, <i32>(rxBase + rxCap - writePos));
  return writePos;
}

// As rxReserve, for bytes the caller copies in from a buffer of its own (a runtime's chunk): a context
// holding nothing takes a block of its own for them rather than the shared area, so that a chunk which
// starts a large message is not copied once more when it is parked (one that holds whole messages
// returns the block at its park).
export function rxReserveOwn(min: usize): usize {
  // Nothing to move (moveTo copies no bytes), and no block of its own to return.
  if (holdsNothing() && !owned && min <= MAX_REGION && !moveTo(min)) return 0;
  return rxReserve(min);
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
    if ((len64 >> 63) != 0) return fail(E_LENGTH_MSB_SET, p + 2);
    if (len64 > <u64>maxMessage) return fail(E_MESSAGE_TOO_BIG, p + 9);
    len = <usize>len64;
    size = 10;
  }
  if (hdOpcode < OP_CLOSE) {
    const before: usize = hdOpcode == OP_CONTINUATION ? spilled + msgLen : 0;
    if (len > maxMessage || before + len > maxMessage) return fail(E_MESSAGE_TOO_BIG, p + size - 1);
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
  if ((b0 & 0x70 & ~allowedRsv) != 0) return fail(E_RSV_SET, p);
  // RSV1, where allowed, marks a compressed message (RFC 7692 §6): only on its first frame, never on a control frame.
  if ((b0 & 0x40) != 0 && (opcode == OP_CONTINUATION || opcode >= OP_CLOSE)) return fail(E_RSV_SET, p);
  if ((opcode > OP_BINARY && opcode < OP_CLOSE) || opcode > OP_PONG) return fail(E_RESERVED_OPCODE, p);
  if (control && !fin) return fail(E_CONTROL_FRAGMENTED, p);
  if (opcode == OP_CONTINUATION && !msgActive) return fail(E_UNEXPECTED_CONTINUATION, p);
  if ((opcode == OP_TEXT || opcode == OP_BINARY) && msgActive) return fail(E_EXPECTED_CONTINUATION, p);
  const masked = (b1 & 0x80) != 0;
  if (masked && role == ROLE_CLIENT) return fail(E_MASK_UNEXPECTED, p + 1);
  if (!masked && role == ROLE_SERVER) return fail(E_MASK_REQUIRED, p + 1);
  if (control && (b1 & 0x7f) > 125) return fail(E_CONTROL_TOO_LONG, p + 1);
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
    if (len == 1) return fail(E_CLOSE_PAYLOAD_ONE_BYTE, payload);
    if (len >= 2) {
      code = <i32>bswap<u16>(load<u16>(payload));
      if (!isValidCloseCode(code)) return fail(E_CLOSE_CODE_INVALID, payload + 1);
      const bad = utf8Validate(payload + 2, len - 2);
      if (bad >= 0) return fail(E_INVALID_UTF8_CLOSE_REASON, payload + 2 + <usize>bad);
    }
  }
  readPos = payload + len;
  put(R_OPCODE, hdOpcode);
  put(R_FLAGS, <i32>(hdB0 & 0xf0));
  put(R_PAYLOAD_PTR, <i32>payload);
  put(R_PAYLOAD_LEN, <i32>len);
  put(R_CLOSE_CODE, code);
  return hdOpcode == OP_PING ? PING : hdOpcode == OP_PONG ? PONG : CLOSE;
}

// A data frame's header is read: its payload follows the message so far (a new message starts here).
function startDataFrame(): void {
  readPos += hdSize;
  if (hdOpcode != OP_CONTINUATION) {
    msgActive = true;
    msgOpcode = hdOpcode;
    msgRsv = <i32>(hdB0 & 0x70);
    msgStart = readPos;
    msgLen = spilled = 0;
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
    // A compressed message's text is checked once inflated, by the caller.
    if (msgOpcode == OP_TEXT && (msgRsv & 0x40) == 0 && !utf8Feed(src, n)) {
      return fail(E_INVALID_UTF8, src + <usize>utf8ErrorIndex);
    }
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
    if (msgOpcode == OP_TEXT && (msgRsv & 0x40) == 0 && utf8State != UTF8_ACCEPT) return fail(E_INVALID_UTF8, readPos);
    msgActive = false;
  }
  put(R_OPCODE, frOpcode);
  put(R_FLAGS, frFlags);
  put(R_PAYLOAD_PTR, <i32>frPayload);
  put(R_PAYLOAD_LEN, <i32>(msgStart + msgLen - frPayload)); // the frame's bytes not spilled
  put(R_MSG_PTR, <i32>msgStart);
  put(R_MSG_LEN, <i32>msgLen);
  put(R_MSG_OPCODE, msgOpcode);
  put(R_MSG_RSV, msgRsv);
  return DATA;
}
