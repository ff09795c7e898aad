// A client made of raw bytes over node:net / node:tls, for what no WebSocket client sends: malformed
// requests, slow ones, unmasked frames, floods, sockets that never read. It reads the server's
// answer (a 101 and then unmasked frames, or a refusal with its body) without judging it.
import net from 'node:net';
import tls from 'node:tls';
import { type ClientFrame, FrameReader } from '../hostile/frame-reader.ts';
import { frame as frameHex } from '../support/frames.ts';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const MASK = [0x12, 0x34, 0x56, 0x78];

/** A client frame, masked unless `masked` is false (the violation a server must refuse). */
export function clientFrame(b0: number, payload: Uint8Array | string = new Uint8Array(0), masked = true): Buffer {
  return Buffer.from(frameHex(b0, payload, masked ? MASK : undefined), 'hex');
}

/** A valid upgrade request for `path`, with `headers` added or replaced (a null value leaves one out). */
export function upgradeRequest(path = '/echo', headers: Record<string, string | null> = {}): string {
  const all: Record<string, string | null> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  const lines = Object.entries(all)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

export class RawClient {
  readonly socket: net.Socket;
  /** The answer's head and (for a refusal) body, once it has come. */
  readonly response: Promise<RawResponse>;
  /** Resolves when the socket has closed (the server closed it, or it failed). */
  readonly closed: Promise<void>;
  /** Frames the server sent after its 101, in order. */
  readonly frames: ClientFrame[] = [];
  /** Bytes received in all. */
  received = 0;
  private head = Buffer.alloc(0);
  private reader: FrameReader | null = null;
  private waiters: (() => void)[] = [];

  constructor(port: number, options: { ca?: string } = {}) {
    this.socket = options.ca
      ? tls.connect({ host: '127.0.0.1', port, ca: options.ca, servername: 'localhost' })
      : net.connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.response = new Promise((resolve, reject) => {
      this.socket.once('close', () => reject(new Error(`closed before an answer: ${this.head.toString('latin1')}`)));
      this.socket.on('data', (chunk: Buffer) => {
        this.received += chunk.length;
        if (this.reader) {
          this.frames.push(...this.reader.push(chunk));
          this.wake();
          return;
        }
        this.head = Buffer.concat([this.head, chunk]);
        const end = this.head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [statusLine, ...lines] = this.head.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const status = Number(statusLine.split(' ')[1]);
        const rest = this.head.subarray(end + 4);
        if (status === 101) {
          this.reader = new FrameReader();
          this.frames.push(...this.reader.push(rest));
          resolve({ status, headers, body: '' });
          this.wake();
          return;
        }
        const length = Number(headers['content-length'] ?? 0);
        if (rest.length >= length) resolve({ status, headers, body: rest.subarray(0, length).toString('utf8') });
      });
    });
    this.response.catch(() => {});
  }

  /** Resolves once the socket is connected (and its TLS handshake done). */
  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once(this.socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Resolves with the first frame for which `match` holds (waiting up to `ms`), or rejects. */
  async frame(match: (f: ClientFrame) => boolean, ms = 3000): Promise<ClientFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such frame within ${ms} ms; got opcodes ${this.frames.map((f) => f.opcode)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The server's close frame: its code (1005 when it has none) and reason. */
  async closeFrame(ms = 3000): Promise<{ code: number; reason: string }> {
    const f = await this.frame((x) => x.opcode === 8, ms);
    return f.payload.length >= 2
      ? { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString('utf8') }
      : { code: 1005, reason: '' };
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
