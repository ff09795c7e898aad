// The record the loader reads after each call: i32 slots, layout in ABI.md (slot numbers in abi.ts).
import { R_ERROR_OFFSET } from "./abi";
export let record: usize = 0;

@inline export function put(slot: i32, value: i32): void {
  store<i32>(record + (<usize>slot << 2), value);
}

@inline export function putOffset(value: f64): void {
  store<f64>(record + (<usize>R_ERROR_OFFSET << 2), value);
}

export function setRecord(ptr: usize): void {
  record = ptr;
}
