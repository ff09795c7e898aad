// Reads what a peer sends, independently of the project: ws's Receiver in the reader's role (it checks
// masking, RSV bits, opcodes, control-frame rules, close codes and UTF-8). In the server role (the
// default) it reads a client, whose frames must be masked: the fuzzing server and the client tests'
// scripted server judge clients with it, so a bug shared by our codec and our client cannot pass unseen.
// In the client role it reads a server, whose frames must not be masked: the fuzzing client
// (conformance/client/) judges servers with it. Nothing here (or in what imports it) may import src/.
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
const Receiver = wsLib('receiver.js') as new (options: {
  isServer: boolean;
  maxPayload: number;
  extensions?: Record<string, unknown>;
}) => Receiver;

/**
 * The side of the connection the reader (and whoever uses it to judge the other side) is on: 'server'
 * reads a client (masked frames), 'client' reads a server (unmasked frames).
 */
export type Role = 'server' | 'client';

/** ws's permessage-deflate in one role: reads what the peer compressed, compresses what this side sends. */
export interface PerMessageDeflate {
  params: unknown;
  normalizeParams(configurations: unknown[]): unknown[];
  /** Compresses one message (`fin`): the tail already dropped. */
  compress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  cleanup(): void;
}
const PerMessageDeflate = wsLib('permessage-deflate.js') as new (options: {
  isServer: boolean;
  maxPayload: number;
}) => PerMessageDeflate;
/**
 * ws's Sec-WebSocket-Extensions parser: each extension's elements (one per offer), each a map of its
 * parameters to their values (strings, or true for none). Throws on a malformed header.
 */
export const parseExtensions = (
  wsLib('extension.js') as { parse(header: string): Record<string, Record<string, (string | true)[]>[]> }
).parse;

/**
 * ws's permessage-deflate in `role` with what a response agreed to (its Sec-WebSocket-Extensions), or
 * null when that is not a valid permessage-deflate agreement (the client then fails the handshake).
 */
export function deflateFor(response: string, maxPayload: number, role: Role = 'server'): PerMessageDeflate | null {
  try {
    const offer = parseExtensions(response)['permessage-deflate'];
    if (offer?.length !== 1) return null;
    const pmd = new PerMessageDeflate({ isServer: role === 'server', maxPayload });
    pmd.params = pmd.normalizeParams(offer)[0];
    return pmd;
  } catch {
    return null;
  }
}
const { kStatusCode } = wsLib('constants.js') as { kStatusCode: symbol };

/** One thing the peer sent: a whole message, a control frame, or the protocol error that ends reading. */
export type PeerFrame =
  | { type: 'message'; text: boolean; data: Buffer }
  | { type: 'ping' | 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string }
  /** `kind`: ws's error code (e.g. WS_ERR_EXPECTED_MASK); `closeCode`: the code the reader's side would fail with. */
  | { type: 'error'; kind: string; message: string; closeCode: number };
/** What a client sent, as the server-role reader reads it. */
export type ClientFrame = PeerFrame;

/** Parses the peer's byte stream in any chunking. After a close frame or an error it ignores the rest. */
export class FrameReader {
  private readonly receiver: Receiver;
  private readonly deflate: PerMessageDeflate | null;
  private done = false;

  /**
   * `maxMessage`: the largest message (sum of its fragments) accepted, at most 2^31 - 1. `extensions`:
   * the response's Sec-WebSocket-Extensions; with permessage-deflate in it, compressed messages are
   * inflated (asynchronously, in order) as ws does in `role`. `role`: the reader's side ('server': it
   * reads a client and requires masked frames; 'client': it reads a server and refuses masked frames).
   */
  constructor(
    private readonly onFrame: (frame: PeerFrame) => void,
    maxMessage: number,
    extensions = '',
    role: Role = 'server',
  ) {
    const deflate = extensions ? deflateFor(extensions, maxMessage, role) : null;
    this.deflate = deflate;
    const r = new Receiver({
      isServer: role === 'server',
      maxPayload: maxMessage,
      ...(deflate ? { extensions: { 'permessage-deflate': deflate } } : {}),
    });
    r.on('message', (data, isBinary) => onFrame({ type: 'message', text: !isBinary, data }));
    r.on('ping', (data) => onFrame({ type: 'ping', data }));
    r.on('pong', (data) => onFrame({ type: 'pong', data }));
    r.on('conclude', (code, reason) => {
      this.done = true;
      onFrame({ type: 'close', code, reason: reason.toString('utf8') });
    });
    // Reported from `errored`, synchronously, in push(); a compressed message's error comes later.
    r.on('error', (err: WsError) => this.fail(err));
    this.receiver = r;
  }

  /** Releases the inflater's zlib stream, if any; nothing is read after. */
  close(): void {
    this.done = true;
    this.deflate?.cleanup();
  }

  push(chunk: Buffer): void {
    if (this.done) return;
    this.receiver.write(chunk);
    const err = this.receiver.errored;
    if (err) this.fail(err);
  }

  private fail(err: WsError): void {
    if (this.done) return;
    this.done = true;
    this.onFrame({
      type: 'error',
      kind: err.code ?? 'unknown',
      message: err.message,
      closeCode: (err[kStatusCode] as number | undefined) ?? 1002,
    });
  }
}
