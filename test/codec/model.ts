// A reference model of the parser: a plain whole-buffer implementation of RFC 6455 framing and of
// the codec's documented rules (assembly/ABI.md, assembly/parser.ts), written independently of the
// codec, so that tests and the fuzzer can compare events, error kinds and error offsets with it.
// Since the codec accepts any chunking, its result after a whole stream must equal the model's.
import type { Ev } from './helpers.ts';

export const KIND = {
  RSV_SET: 1,
  RESERVED_OPCODE: 2,
  CONTROL_FRAGMENTED: 3,
  CONTROL_TOO_LONG: 4,
  UNEXPECTED_CONTINUATION: 5,
  EXPECTED_CONTINUATION: 6,
  LENGTH_MSB_SET: 7,
  MASK_UNEXPECTED: 8,
  MASK_REQUIRED: 9,
  CLOSE_PAYLOAD_ONE_BYTE: 10,
  CLOSE_CODE_INVALID: 11,
  INVALID_UTF8: 12,
  INVALID_UTF8_CLOSE_REASON: 13,
  MESSAGE_TOO_BIG: 14,
} as const;
export type KindName = keyof typeof KIND;

export const closeCodeOfKind = (kind: KindName): number =>
  kind === 'INVALID_UTF8' || kind === 'INVALID_UTF8_CLOSE_REASON' ? 1007 : kind === 'MESSAGE_TOO_BIG' ? 1009 : 1002;

export const isValidCloseCode = (c: number): boolean =>
  (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);

/**
 * UTF-8 (RFC 3629) by decoding code points: -1 if valid, else the index of the first byte that
 * cannot continue a valid sequence, or `len` when the input ends inside a sequence.
 */
export function utf8FirstInvalid(b: Uint8Array, from = 0, to = b.length): number {
  let i = from;
  while (i < to) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (c >= 0xc0 && c < 0xe0) [need, min, cp] = [1, 0x80, c & 0x1f];
    else if (c >= 0xe0 && c < 0xf0) [need, min, cp] = [2, 0x800, c & 0x0f];
    else if (c >= 0xf0 && c < 0xf8) [need, min, cp] = [3, 0x10000, c & 0x07];
    else return i - from;
    // Lead bytes that can never start a valid sequence fail at once.
    if (c === 0xc0 || c === 0xc1 || c > 0xf4) return i - from;
    for (let k = 1; k <= need; k++) {
      if (i + k >= to) return to - from;
      const d = b[i + k];
      if ((d & 0xc0) !== 0x80) return i + k - from;
      cp = (cp << 6) | (d & 0x3f);
      // Decide as soon as the second byte is known: overlong, surrogate, above U+10FFFF.
      if (k === 1) {
        const bits = 6 * (need - 1); // continuation bits still to come
        const lo = cp * 2 ** bits;
        const hi = lo + 2 ** bits - 1;
        if (hi < min || (lo >= 0xd800 && lo <= 0xdfff) || lo > 0x10ffff) return i + k - from;
      }
    }
    i += need + 1;
  }
  return -1;
}

export interface ModelOptions {
  role: 0 | 1;
  maxMessage: number;
  allowedRsv?: number;
}

export interface ModelResult {
  events: Ev[];
  /** Stream offset after the last complete frame (where parsing stopped for want of bytes). */
  consumed: number;
}

/** Parses a whole stream; the result is what the codec reports after being fed exactly these bytes. */
export function modelParse(s: Uint8Array, opts: ModelOptions): ModelResult {
  const events: Ev[] = [];
  const allowed = (opts.allowedRsv ?? 0) & 0x70;
  const max = opts.maxMessage;
  let pos = 0;
  let msgActive = false;
  let msgOpcode = 0;
  let msgCompressed = false; // RSV1 on its first frame (permessage-deflate)
  let msg: number[] = [];
  let msgOffsets: number[] = []; // stream offset of each message byte
  const fail = (kind: KindName, at: number): ModelResult => {
    events.push({ type: 'error', code: closeCodeOfKind(kind), kind, offset: at });
    return { events, consumed: pos };
  };
  const n = s.length;
  for (;;) {
    const avail = n - pos;
    if (avail < 2) break;
    const b0 = s[pos];
    const b1 = s[pos + 1];
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const control = opcode >= 8;
    if (b0 & 0x70 & ~allowed) return fail('RSV_SET', pos);
    // RSV1 is per message (RFC 7692 §6): never on a continuation or a control frame.
    if (b0 & 0x40 && (opcode === 0 || opcode >= 8)) return fail('RSV_SET', pos);
    if (![0, 1, 2, 8, 9, 10].includes(opcode)) return fail('RESERVED_OPCODE', pos);
    if (control && !fin) return fail('CONTROL_FRAGMENTED', pos);
    if (opcode === 0 && !msgActive) return fail('UNEXPECTED_CONTINUATION', pos);
    if ((opcode === 1 || opcode === 2) && msgActive) return fail('EXPECTED_CONTINUATION', pos);
    const masked = (b1 & 0x80) !== 0;
    if (masked && opts.role === 0) return fail('MASK_UNEXPECTED', pos + 1);
    if (!masked && opts.role === 1) return fail('MASK_REQUIRED', pos + 1);
    const len7 = b1 & 0x7f;
    if (control && len7 > 125) return fail('CONTROL_TOO_LONG', pos + 1);
    let hdr = 2;
    let len = len7;
    if (len7 === 126) {
      if (avail < 4) break;
      len = (s[pos + 2] << 8) | s[pos + 3];
      hdr = 4;
    } else if (len7 === 127) {
      if (avail < 10) break;
      if (s[pos + 2] & 0x80) return fail('LENGTH_MSB_SET', pos + 2);
      let big = 0n;
      for (let k = 0; k < 8; k++) big = (big << 8n) | BigInt(s[pos + 2 + k]);
      if (big > BigInt(max)) return fail('MESSAGE_TOO_BIG', pos + 9);
      len = Number(big);
      hdr = 10;
    }
    if (!control && (opcode === 0 ? msg.length : 0) + len > max) return fail('MESSAGE_TOO_BIG', pos + hdr - 1);
    const keyAt = pos + hdr;
    if (masked) hdr += 4;
    if (avail < hdr) break;
    const unmask = (i: number): number => (masked ? s[pos + hdr + i] ^ s[keyAt + (i & 3)] : s[pos + hdr + i]);
    if (control) {
      if (avail < hdr + len) break;
      const payload = Uint8Array.from({ length: len }, (_, i) => unmask(i));
      const at = pos + hdr;
      let code = 1005;
      if (opcode === 8) {
        if (len === 1) return fail('CLOSE_PAYLOAD_ONE_BYTE', at);
        if (len >= 2) {
          code = (payload[0] << 8) | payload[1];
          if (!isValidCloseCode(code)) return fail('CLOSE_CODE_INVALID', at + 1);
          const bad = utf8FirstInvalid(payload, 2);
          if (bad >= 0) return fail('INVALID_UTF8_CLOSE_REASON', at + 2 + bad);
        }
      }
      events.push(opcode === 8 ? { type: 'close', code, payload } : { type: opcode === 9 ? 'ping' : 'pong', payload });
      pos += hdr + len;
      continue;
    }
    if (opcode !== 0) {
      msgActive = true;
      msgOpcode = opcode;
      msgCompressed = (b0 & 0x40) !== 0;
      msg = [];
      msgOffsets = [];
    }
    const have = Math.min(len, avail - hdr);
    const before = msg.length;
    for (let i = 0; i < have; i++) {
      msg.push(unmask(i));
      msgOffsets.push(pos + hdr + i);
    }
    if (msgOpcode === 1 && !msgCompressed) {
      const bad = utf8FirstInvalid(Uint8Array.from(msg));
      if (bad >= 0 && bad < msg.length) return fail('INVALID_UTF8', msgOffsets[bad]);
      if (have === len && fin && bad >= 0) return fail('INVALID_UTF8', pos + hdr + len);
    }
    if (have < len) break;
    const message = Uint8Array.from(msg);
    events.push({
      type: 'data',
      opcode,
      fin,
      rsv: b0 & 0x70,
      payload: message.slice(before),
      msgOpcode,
      message,
    });
    if (fin) msgActive = false;
    pos += hdr + len;
  }
  return { events, consumed: pos };
}
