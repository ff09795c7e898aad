// The codec's exports: the ABI in ABI.md, shared with the C backend.
import { parserInit, rxReserve, rxCommit, next as parseNext, ROLE_CLIENT } from "./parser";
import { txReserve, txBuild, txPin, txRelease, txSpace } from "./builder";
import { maskInPlace } from "./mask";
import { utf8Validate } from "./utf8";
import { allocRegion } from "./regions";
import { setRecord, record, RECORD_SLOTS, put, EVENT } from "./record";

let clientRole: bool = true;

export function abi_version(): i32 {
  return 1;
}

export function init(role: i32, maxMessage: i32, allowedRsv: i32): usize {
  if (record == 0) setRecord(allocRegion(<usize>RECORD_SLOTS << 2));
  clientRole = role == ROLE_CLIENT;
  parserInit(role, <usize>maxMessage, <u32>allowedRsv);
  txReserve(0); // the send region exists from the start, so tx_space() is meaningful
  txRelease();
  return record;
}

export function rx_reserve(min: i32): usize {
  return rxReserve(<usize>min);
}

export function rx_commit(n: i32): void {
  rxCommit(<usize>n);
}

export function next(): i32 {
  const event = parseNext();
  put(EVENT, event); // NEED_MORE too: the record always shows the last event
  return event;
}

export function tx_reserve(len: i32): usize {
  return txReserve(<usize>len);
}

export function tx_build(b0: i32, len: i32, key: i32): usize {
  return txBuild(b0, <usize>len, <u32>key, clientRole);
}

export function tx_space(): i32 {
  return <i32>txSpace();
}

export function tx_pin(): void {
  txPin();
}

export function tx_release(): void {
  txRelease();
}

export function mask(ptr: usize, len: i32, key: i32, keyOffset: i32): void {
  maskInPlace(ptr, <usize>len, <u32>key, keyOffset);
}

export function utf8_validate(ptr: usize, len: i32): i32 {
  return utf8Validate(ptr, <usize>len);
}
