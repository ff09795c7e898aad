// Reads what a client sends, independently of the project: ws's Receiver in the server role (it
// requires masked frames and checks RSV bits, opcodes, control-frame rules, close codes and UTF-8).
// The fuzzing server and the client tests' scripted server judge clients with it, so a bug shared by
// our codec and our client cannot pass unseen. Nothing here (or in what imports it) may import src/.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// ws's "exports" hides lib/: load the files by path, next to its main entry.
const wsLib = (file: string): unknown => require(join(dirname(require.resolve('ws')), 'lib', file));

type WsError = Error & { code?: string; [key: symbol]: unknown };

/** The part of ws's Receiver (a node:stream Writable) used here; @types/ws does not describe it. */
interface Receiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: WsError) => void): this;
  write(chunk: Buffer): boolean;
  /** Set as soon as a write fails (the 'error' event comes ticks later). */
  readonly errored: WsError | null;
}
const Receiver = wsLib('receiver.js') as new (options: { isServer: boolean; maxPayload: number }) => Receiver;
const { kStatusCode } = wsLib('constants.js') as { kStatusCode: symbol };

/** One thing a client sent: a whole message, a control frame, or the protocol error that ends reading. */
export type ClientFrame =
  | { type: 'message'; text: boolean; data: Buffer }
  | { type: 'ping' | 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string }
  /** `kind`: ws's error code (e.g. WS_ERR_EXPECTED_MASK); `closeCode`: the code a server would fail with. */
  | { type: 'error'; kind: string; message: string; closeCode: number };

/** Parses a client's byte stream in any chunking. After a close frame or an error it ignores the rest. */
export class FrameReader {
  private readonly receiver: Receiver;
  private done = false;

  /** `maxMessage`: the largest message (sum of its fragments) accepted, at most 2^31 - 1. */
  constructor(
    private readonly onFrame: (frame: ClientFrame) => void,
    maxMessage: number,
  ) {
    const r = new Receiver({ isServer: true, maxPayload: maxMessage });
    r.on('message', (data, isBinary) => onFrame({ type: 'message', text: !isBinary, data }));
    r.on('ping', (data) => onFrame({ type: 'ping', data }));
    r.on('pong', (data) => onFrame({ type: 'pong', data }));
    r.on('conclude', (code, reason) => {
      this.done = true;
      onFrame({ type: 'close', code, reason: reason.toString('utf8') });
    });
    r.on('error', () => {}); // reported from `errored`, synchronously, in push()
    this.receiver = r;
  }

  push(chunk: Buffer): void {
    if (this.done) return;
    this.receiver.write(chunk);
    const err = this.receiver.errored;
    if (!err) return;
    this.done = true;
    this.onFrame({
      type: 'error',
      kind: err.code ?? 'unknown',
      message: err.message,
      closeCode: (err[kStatusCode] as number | undefined) ?? 1002,
    });
  }
}
