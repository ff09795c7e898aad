// The floor server: what the runtime's sockets allow a WebSocket server, with no codec and no API.
// Over the socket API ours uses on the runtime (Node: node:net reading with `onread` into one buffer,
// node:tls 'data' events, as on Deno over TLS; Bun: Bun.listen; Deno plain: Deno.listen with one read
// buffer per connection), it answers the
// upgrade with a fixed 101 (the Sec-WebSocket-Accept computed from the request's key), then for every
// complete masked frame, seen from its header alone (the payload is skipped: no unmasking, no copy, no
// UTF-8 check), writes back a pre-built unmasked frame of the same size and first byte (binary stays
// binary, text stays text; the payload is a run of 'x'). A ping gets a pong of its size, a close a close (1000)
// and the end of the connection; a pong is dropped. It is a floor for the table's ×F column, not a
// competitor: a WebSocket server cannot do less per message.
//
// This file holds what the three runtimes' floor servers share (floor-node.ts, floor.bun.ts,
// floor.deno.ts): the upgrade and the frame scanner, over bytes, with the socket's write and end.
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** The answer to an upgrade request's head (without its final CRLF CRLF): a 101, or null when it is none. */
export function upgradeResponse(head: string): Uint8Array | null {
  const key = /^sec-websocket-key:[ \t]*(\S+)[ \t]*$/im.exec(head)?.[1];
  if (!/^GET /.test(head) || !key || !/^upgrade:[ \t]*websocket[ \t]*$/im.test(head)) return null;
  return encoder.encode(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
}

const badRequest = encoder.encode('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
const closeFrame = Uint8Array.of(0x88, 0x02, 0x03, 0xe8);

/** Pre-built unmasked frames by first byte and payload size: built once, written as they are. */
const frames = new Map<number, Uint8Array>();

export function prebuiltFrame(byte0: number, size: number): Uint8Array {
  const key = size * 256 + byte0;
  let frame = frames.get(key);
  if (frame) return frame;
  const head = size < 126 ? 2 : size < 65536 ? 4 : 10;
  frame = new Uint8Array(head + size).fill(0x78, head); // 'x': valid UTF-8 for a text frame
  frame[0] = byte0;
  if (size < 126) frame[1] = size;
  else if (size < 65536) {
    frame[1] = 126;
    frame[2] = size >> 8;
    frame[3] = size & 0xff;
  } else {
    frame[1] = 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(size));
  }
  frames.set(key, frame);
  return frame;
}

/**
 * One connection: push() the bytes as they arrive; `write` sends bytes (in order), `end` closes the
 * connection after what was written.
 */
export class FloorConnection {
  /** The request head so far (latin1), until its CRLF CRLF; null once upgraded. */
  private head: string | null = '';
  private headTail = 0; // how much of "\r\n\r\n" has been seen
  private readonly header = new Uint8Array(14);
  private have = 0; // header bytes gathered
  private need = 2; // header bytes this frame has
  private skip = 0; // payload bytes still to skip
  private length = 0;
  private ended = false;

  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    private readonly end: () => void,
  ) {}

  push(bytes: Uint8Array, start: number, end: number): void {
    if (this.ended) return;
    let i = start;
    if (this.head !== null) {
      const from = i;
      while (i < end && this.headTail < 4) {
        const b = bytes[i++];
        this.headTail = b === (this.headTail % 2 === 0 ? 13 : 10) ? this.headTail + 1 : b === 13 ? 1 : 0;
      }
      this.head += latin1.decode(bytes.subarray(from, i));
      if (this.headTail < 4) {
        if (this.head.length > 16384) this.fail(badRequest);
        return;
      }
      const response = upgradeResponse(this.head.slice(0, -4));
      this.head = null;
      if (!response) {
        this.fail(badRequest);
        return;
      }
      this.write(response);
    }
    while (i < end && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.onFrame();
        continue;
      }
      const h = this.header;
      h[this.have++] = bytes[i++];
      if (this.have === 2) {
        // A client masks every frame (RFC 6455 §5.1): a frame without a mask key ends the connection.
        if ((h[1] & 0x80) === 0) {
          this.fail(closeFrame);
          return;
        }
        const l7 = h[1] & 0x7f;
        this.need = (l7 < 126 ? 2 : l7 === 126 ? 4 : 10) + 4;
      }
      if (this.have < this.need) continue;
      const l7 = h[1] & 0x7f;
      this.length = l7 < 126 ? l7 : l7 === 126 ? (h[2] << 8) | h[3] : Number(new DataView(h.buffer).getBigUint64(2));
      this.have = 0;
      this.need = 2;
      this.skip = this.length;
      if (this.skip === 0) this.onFrame();
    }
  }

  private onFrame(): void {
    const byte0 = this.header[0];
    const opcode = byte0 & 0x0f;
    if (opcode === 0x8) this.fail(closeFrame);
    else if (opcode === 0x9) this.write(prebuiltFrame((byte0 & 0xf0) | 0xa, this.length));
    else if (opcode !== 0xa) this.write(prebuiltFrame(byte0, this.length));
  }

  private fail(last: Uint8Array): void {
    this.ended = true;
    this.write(last);
    this.end();
  }
}
