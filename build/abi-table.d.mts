// Types of build/abi-table.mjs, for the tests that read the table.
export const version: number;
export const events: [name: string, value: number, tsName: string, meaning: string][];
export const roles: [name: string, value: number, tsName: string, meaning: string][];
export const opcodes: [name: string, value: number, tsName: string][];
export const recordSlots: number;
export const slots: [name: string, slot: number, tsName: string, meaning: string][];
export const errors: [name: string, kind: number, closeCode: number][];
export const closeCodeRanges: [low: number, high: number][];
export const functions: [name: string, params: string[], result: string, doc: string][];
