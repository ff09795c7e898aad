// A small parser for the frames a client sends (masked, RFC 6455 §5.2), independent of the project's
// codec: the hostile server only needs each frame's opcode, FIN and unmasked payload. No validation.

export interface ClientFrame {
  fin: boolean;
  /** RSV1-3 as they were set (0x70 of the first byte). */
  rsv: number;
  opcode: number;
  /** Whether the frame came masked (a client's must, a server's must not). */
  masked: boolean;
  payload: Buffer;
}

export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Appends `chunk` and returns the frames it completes. */
  push(chunk: Buffer): ClientFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: ClientFrame[] = [];
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      const masked = (b[1] & 0x80) !== 0;
      let length = b[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      const keyAt = at;
      if (masked) at += 4;
      if (b.length < at + length) break;
      const payload = Buffer.from(b.subarray(at, at + length));
      if (masked) for (let i = 0; i < length; i++) payload[i] ^= b[keyAt + (i & 3)];
      frames.push({ fin: (b[0] & 0x80) !== 0, rsv: b[0] & 0x70, opcode: b[0] & 0x0f, masked, payload });
      this.buffer = b.subarray(at + length);
    }
    return frames;
  }
}

/** A server frame (unmasked), FIN set unless `fin` is false. */
export function serverFrame(opcode: number, payload: Uint8Array, fin = true): Buffer {
  const n = payload.length;
  const b0 = (fin ? 0x80 : 0) | opcode;
  let head: Buffer;
  if (n < 126) head = Buffer.from([b0, n]);
  else if (n < 65536) head = Buffer.from([b0, 126, n >> 8, n & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}
