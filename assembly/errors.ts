// Protocol errors: a stable kind for callers and tests, and the close code RFC 6455 assigns it.
export const RSV_SET: i32 = 1;
export const RESERVED_OPCODE: i32 = 2;
export const CONTROL_FRAGMENTED: i32 = 3;
export const CONTROL_TOO_LONG: i32 = 4;
export const UNEXPECTED_CONTINUATION: i32 = 5;
export const EXPECTED_CONTINUATION: i32 = 6;
export const LENGTH_MSB_SET: i32 = 7;
export const MASK_UNEXPECTED: i32 = 8;
export const MASK_REQUIRED: i32 = 9;
export const CLOSE_PAYLOAD_ONE_BYTE: i32 = 10;
export const CLOSE_CODE_INVALID: i32 = 11;
export const INVALID_UTF8: i32 = 12;
export const INVALID_UTF8_CLOSE_REASON: i32 = 13;
export const MESSAGE_TOO_BIG: i32 = 14;

export function closeCodeOf(kind: i32): i32 {
  if (kind == INVALID_UTF8 || kind == INVALID_UTF8_CLOSE_REASON) return 1007;
  if (kind == MESSAGE_TOO_BIG) return 1009;
  return 1002;
}

// Codes a peer may send in a close frame (RFC 6455 §7.4, IANA registry).
export function isValidCloseCode(code: i32): bool {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
