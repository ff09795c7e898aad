// The codec's exports: the ABI in ABI.md, shared with the C backend.
import { parserInit, ctxNew, ctxFree, ctxSelect, ctxPark, ctxSpill, sharedArea, rxReserve, rxReserveOwn, rxCommit, next as parseNext } from "./parser";
import { txReserve, txBuild, txPin, txRelease, txSpace } from "./builder";
import { maskInPlace } from "./mask";
import { utf8Validate } from "./utf8";
import { allocRegion } from "./regions";
import { setRecord, record, put } from "./record";
import { ABI_VERSION, RECORD_SLOTS, R_EVENT } from "./abi";

export function abi_version(): i32 {
  return ABI_VERSION;
}

// Makes the record, the shared receive area and the send region; returns the record's address (0 if
// memory is exhausted). Once per module.
export function init(): usize {
  if (record == 0) setRecord(allocRegion(<usize>RECORD_SLOTS << 2));
  if (record == 0 || !parserInit()) return 0;
  if (txReserve(0) == 0) return 0; // the send region exists from the start, so tx_space() is meaningful
  txRelease();
  return record;
}

export function ctx_new(role: i32, maxMessage: i32, allowedRsv: i32): usize {
  return ctxNew(role, <usize>maxMessage, <u32>allowedRsv);
}

export function ctx_free(ctx: usize): void {
  ctxFree(ctx);
}

export function ctx_select(ctx: usize): void {
  ctxSelect(ctx);
}

export function ctx_park(): i32 {
  return ctxPark();
}

export function ctx_spill(min: i32): i32 {
  return <i32>ctxSpill(<usize>min);
}

export function rx_area(): usize {
  return sharedArea();
}

export function rx_reserve(min: i32): usize {
  return rxReserve(<usize>min);
}

export function rx_reserve_own(min: i32): usize {
  return rxReserveOwn(<usize>min);
}

export function rx_commit(n: i32): void {
  rxCommit(<usize>n);
}

export function next(): i32 {
  const event = parseNext();
  put(R_EVENT, event); // NEED_MORE too: the record always shows the last event
  return event;
}

export function tx_reserve(len: i32): usize {
  return txReserve(<usize>len);
}

export function tx_build(b0: i32, len: i32, key: i32, masked: i32, src: usize): usize {
  return txBuild(b0, <usize>len, <u32>key, masked != 0, src);
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
