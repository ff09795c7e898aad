// The record the loader reads after each call: i32 slots, layout in ABI.md.
export const EVENT: i32 = 0;
export const OPCODE: i32 = 1;
export const FLAGS: i32 = 2;
export const PAYLOAD_PTR: i32 = 3;
export const PAYLOAD_LEN: i32 = 4;
export const MSG_PTR: i32 = 5;
export const MSG_LEN: i32 = 6;
export const MSG_OPCODE: i32 = 7;
export const CLOSE_CODE: i32 = 8;
export const ERROR_KIND: i32 = 9;
export const RX_WRITE_PTR: i32 = 10;
export const RX_SPACE: i32 = 11;
export const ERROR_OFFSET: i32 = 12; // f64 over slots 12-13
export const TX_FRAME_PTR: i32 = 14;
export const TX_FRAME_LEN: i32 = 15;
export const RECORD_SLOTS: i32 = 32;

export let record: usize = 0;

@inline export function put(slot: i32, value: i32): void {
  store<i32>(record + (<usize>slot << 2), value);
}

@inline export function putOffset(value: f64): void {
  store<f64>(record + (<usize>ERROR_OFFSET << 2), value);
}

export function setRecord(ptr: usize): void {
  record = ptr;
}
