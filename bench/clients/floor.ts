// The I/O floor: what the runtime's sockets allow, with no codec and no API. The same request/response
// loop (loop.ts) over the runtime's fastest socket API, sending one pre-built, pre-masked frame again
// and again and counting echoed frames from their headers alone (no unmasking, no copy, no validation).
// It is a floor for the table's ×F column, not a competitor: a WebSocket client cannot do less.
// Node: node:net and node:tls with `onread` into one buffer; Bun: Bun.connect;
// Deno: Deno.connect / Deno.connectTls with one read buffer.
//
// This file holds what the three runtimes' floor clients share (floor-node.ts, floor.bun.ts,
// floor.deno.ts): the target, the upgrade request, the frame and the header-only counter.
import { type ClientArgs, clientArgs, messagePayload, readText } from './loop.ts';

export interface FloorTarget {
  args: ClientArgs;
  secure: boolean;
  host: string;
  port: number;
  ca: string | undefined;
  /** The upgrade request (a fixed key: the answer is not checked, only skipped). */
  request: Uint8Array;
  /** The one frame sent each time. */
  frame: Uint8Array;
}

export async function floorTarget(): Promise<FloorTarget> {
  const args = clientArgs();
  const url = new URL(args.url);
  const secure = url.protocol === 'wss:';
  const request = new TextEncoder().encode(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return {
    args,
    secure,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (secure ? 443 : 80)),
    ca: args.ca ? await readText(args.ca) : undefined,
    request,
    frame: maskedFrame(messagePayload(args)),
  };
}

/** The payload in one masked frame (text for a string), masked once: its bytes are never looked at again. */
export function maskedFrame(payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const size = bytes.length;
  const head = size < 126 ? 2 : size < 65536 ? 4 : 10;
  const frame = new Uint8Array(head + 4 + size);
  frame[0] = typeof payload === 'string' ? 0x81 : 0x82;
  if (size < 126) frame[1] = 0x80 | size;
  else if (size < 65536) {
    frame[1] = 0x80 | 126;
    frame[2] = size >> 8;
    frame[3] = size & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(size));
  }
  frame.set([0x12, 0x34, 0x56, 0x78], head);
  const key = [0x12, 0x34, 0x56, 0x78];
  for (let i = 0; i < size; i++) frame[head + 4 + i] = bytes[i] ^ key[i & 3];
  return frame;
}

/**
 * Counts whole frames in a byte stream from their headers: payloads are skipped, not read. The head
 * of the stream (the 101) is skipped first.
 */
export class FrameCounter {
  private inHead = true;
  private headTail = 0; // how much of "\r\n\r\n" has been seen
  private skip = 0; // payload bytes still to skip
  private header = new Uint8Array(14);
  private have = 0; // header bytes gathered

  constructor(private readonly onFrame: (length: number) => void) {}

  push(bytes: Uint8Array, start: number, end: number): void {
    let i = start;
    while (this.inHead && i < end) {
      const b = bytes[i++];
      this.headTail = b === (this.headTail % 2 === 0 ? 13 : 10) ? this.headTail + 1 : b === 13 ? 1 : 0;
      if (this.headTail === 4) this.inHead = false;
    }
    while (i < end) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.onFrame(this.length);
        continue;
      }
      this.header[this.have++] = bytes[i++];
      const l7 = this.have >= 2 ? this.header[1] & 0x7f : -1;
      const need = l7 < 0 ? 2 : l7 < 126 ? 2 : l7 === 126 ? 4 : 10;
      if (this.have < need) continue;
      const h = this.header;
      this.length = l7 < 126 ? l7 : l7 === 126 ? (h[2] << 8) | h[3] : Number(new DataView(h.buffer).getBigUint64(2));
      this.have = 0;
      this.skip = this.length;
      if (this.skip === 0) this.onFrame(0);
    }
  }
  private length = 0;
}
