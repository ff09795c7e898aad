// The fuzzer's hostile server (Node, in the parent test process), plain and TLS. Each connection's
// request path carries a seed (`/fuzz?seed=…`) and the client's timeouts; the seed alone picks what
// the server does: answer the handshake (or not, or badly), then a random script of valid messages
// (text/binary, fragmented, length-encoding boundaries), broken frames, pings and ping floods, closes
// valid and invalid, half-closes, resets, pauses and not reading, every byte written in random chunks.
//
// When the client offers permessage-deflate, a third of connections agree to it (the server without
// context takeover): valid messages then often go compressed, and broken ones include DEFLATE data that
// does not inflate, RSV1 on a continuation, and messages that inflate past maxMessage. FUZZ_DEFLATE=0
// turns that off. (A finding once blamed on it, a connection still open 12 s after a protocol error in
// about one run of three, came as often without it: the Node client answered a ping flood with a write
// per pong, up to 32 reads of 64 KiB in one turn of its event loop, which stalled every other
// connection's timers for 12-15 s. Pongs now go one write per read, and reading yields after a read
// full of control frames.)
//
// It also judges what the client sends, with ws's Receiver (conformance/server/frame-reader.ts),
// independent of the project's codec: frames must be valid and masked; a message is either the
// client's own (it starts with CLIENT_MAGIC) or an echo of one the server sent (same digest); a pong
// carries a ping's payload; nothing follows a close frame; and once the server has broken the
// protocol, closed, or half-closed, the client must be gone within its closeTimeout plus SLACK.
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { FrameReader, type ClientFrame } from '../../conformance/server/frame-reader.ts';
import { digest } from '../support/digest.ts';
import { Rng } from '../support/rng.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** What the client driver puts first in every message it makes up (not an echo). */
export const CLIENT_MAGIC = 'CLNT';
/** Time a client gets beyond its own timeout before lingering counts as a failure (2 shared, busy cores). */
const SLACK = 10_000;
/** How long a deadline is pushed back while the client still sends (it is busy, not stuck). */
const MAX_EXTENSION = 30_000;
/** A connection still open this long after the handshake is dropped by the server (not a failure). */
const LIFETIME = 5000;
/** The longest handshakeTimeout the driver uses with the mute listener. */
export const MUTE_HANDSHAKE_TIMEOUT = 2000;

export interface ServerViolation {
  run: string;
  runtime: string;
  seed: number;
  api: string;
  tls: boolean;
  what: string;
  /** What the server had done on that connection, in order. */
  steps: string[];
}

export interface RunStats {
  connections: number;
  steps: Record<string, number>;
}

export interface FuzzServer {
  url: string;
  tlsUrl: string;
  /** host:port of a listener that accepts and never says anything, not even TLS. */
  muteHost: string;
  /** The run that connections to the mute listener belong to (runs go one at a time). */
  setRun(run: string): void;
  violations(run: string): ServerViolation[];
  /** Known defects of a runtime seen so far, which a check had to leave out. */
  known(): string[];
  stats(run: string): RunStats;
  stop(): Promise<void>;
}

// ---- frames ----

const FIN = 0x80;
const CONT = 0,
  TEXT = 1,
  BINARY = 2,
  CLOSE = 8,
  PING = 9,
  PONG = 10;

/** A server frame; `len` forces a length encoding, `mask` sets the mask bit (which a server must not). */
/** Whether connections may agree to permessage-deflate (see the top of this file). */
const DEFLATE_FUZZ = process.env.FUZZ_DEFLATE !== '0';
/** What the server agrees to when it agrees to permessage-deflate. */
const AGREED = 'permessage-deflate; server_no_context_takeover';
const RSV1 = 0x40;

/** A message deflated on its own (no context takeover), with a sync flush and the tail dropped (RFC 7692). */
function deflated(data: Buffer): Buffer {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

// Bombs (zeros just past a client's maxMessage), made once per limit: deflating up to 64 MiB takes the
// server's event loop a third of a second, which must not stall every other connection each time.
const bombs = new Map<number, Buffer>();
function bombFor(maxMessage: number): Buffer {
  let bomb = bombs.get(maxMessage);
  if (bomb === undefined) {
    bomb = deflated(Buffer.alloc(Math.min(maxMessage + 1024, 128 * 1024 * 1024)));
    bombs.set(maxMessage, bomb);
  }
  return bomb;
}

function frame(b0: number, payload: Uint8Array, opts: { mask?: boolean; len?: 7 | 16 | 64 } = {}): Buffer {
  const n = payload.length;
  const len = opts.len ?? (n < 126 ? 7 : n < 65536 ? 16 : 64);
  const head = Buffer.alloc(len === 7 ? 2 : len === 16 ? 4 : 10);
  head[0] = b0;
  const m = opts.mask ? 0x80 : 0;
  if (len === 7) head[1] = m | n;
  else if (len === 16) {
    head[1] = m | 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = m | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  if (!opts.mask) return Buffer.concat([head, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([head, key, body]);
}

/** A bare header announcing `length` bytes (as a 64-bit length), for frames whose payload never comes whole. */
function header64(b0: number, length: bigint): Buffer {
  const head = Buffer.alloc(10);
  head[0] = b0;
  head[1] = 127;
  head.writeBigUInt64BE(length, 2);
  return head;
}

function closePayload(code: number, reason: Uint8Array = new Uint8Array(0)): Buffer {
  const b = Buffer.alloc(2 + reason.length);
  b.writeUInt16BE(code, 0);
  b.set(reason, 2);
  return b;
}

const CHARS = ['a', 'Z', '0', ' ', '~', 'é', 'ß', 'Ω', '€', '가', '\u{fffd}', '😀', '\u{10ffff}', '𝄞'].map((c) =>
  Buffer.from(c),
);

/** `n` bytes of valid UTF-8 (any code point length, so fragment splits may cut a character). */
function utf8Text(rng: Rng, n: number): Buffer {
  const parts: Buffer[] = [];
  let len = 0;
  const ascii = rng.chance(0.5);
  while (len < n) {
    const c = ascii || n - len < 4 ? CHARS[rng.int(5)] : rng.pick(CHARS);
    if (c.length > n - len) continue;
    parts.push(c);
    len += c.length;
  }
  return Buffer.concat(parts, len);
}

const BAD_UTF8 = [
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xff],
  [0xfe],
  [0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];
const VALID_CLOSE = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
const INVALID_CLOSE = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

/** Splits `data` into `n` pieces at random points (some may be empty). */
function split(rng: Rng, data: Buffer, n: number): Buffer[] {
  const points = Array.from({ length: n - 1 }, () => rng.int(data.length + 1)).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let at = 0;
  for (const p of [...points, data.length]) {
    parts.push(data.subarray(at, p));
    at = p;
  }
  return parts;
}

// ---- the server ----

interface Params {
  run: string;
  runtime: string;
  seed: number;
  api: string;
  tls: boolean;
  handshakeTimeout: number;
  closeTimeout: number;
  maxMessage: number;
  maxBuffered: number;
  /** A fixed, well-behaved script for the driver's final probes. */
  probe: string;
}

function params(target: URL, secure: boolean): Params {
  const q = target.searchParams;
  const num = (name: string, fallback: number) => {
    const v = Number(q.get(name));
    return Number.isFinite(v) && q.has(name) ? v : fallback;
  };
  return {
    run: q.get('run') ?? '',
    runtime: q.get('rt') ?? '?',
    seed: num('seed', 0) >>> 0,
    api: q.get('api') ?? '?',
    tls: secure,
    handshakeTimeout: num('ht', 10_000),
    closeTimeout: num('ct', 5_000),
    maxMessage: num('mm', 64 * 1024 * 1024),
    maxBuffered: num('mb', 64 * 1024 * 1024),
    probe: q.get('probe') ?? '',
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

type ChunkMode = 'whole' | 'tiny' | 'small' | 'random';

/** One accepted connection and the script it plays. */
class Peer {
  readonly steps: string[] = [];
  private rng = new Rng(0);
  /** Chunk sizes and pauses: their own sequence, so echo timing does not shift the script's choices. */
  private chunkRng = new Rng(0);
  /** permessage-deflate: whether it was agreed, and its own sequence (the script's choices do not shift). */
  private deflate = false;
  private deflateRng = new Rng(0);
  private p!: Params;
  private closed = false;
  private clientEnded = false;
  private reading = true;
  /** Writing without end after a protocol error: then only a full close (not a FIN) counts as gone. */
  private streaming = false;
  private clientClosed = false;
  private closeSent = false;
  /** Random bytes were sent: what follows may be read as their payload, so nothing after them is judged. */
  private desynced = false;
  private readonly sentMessages = new Set<string>();
  private readonly sentPings = new Set<string>();
  private echoBudget = 0;
  private chunkMode: ChunkMode = 'whole';
  private yieldChance = 0;
  private pauseChance = 0;
  private pongReplies = true;
  private closeReply: 'echo' | 'ignore' | 'destroy' = 'echo';
  private tail: Promise<void> = Promise.resolve();
  private deadline: { at: number; why: string; since: number } | null = null;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private lastClientData = 0;
  private lifetimeTimer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly sock: net.Socket,
    private readonly raw: net.Socket,
    private readonly secure: boolean,
    private readonly report: (peer: Peer, what: string) => void,
    private readonly count: (peer: Peer, params: Params) => void,
    /** Digest → the connection that sent it, across connections: to name a mix-up between them. */
    private readonly origins: Map<string, string>,
  ) {
    sock.on('error', () => {});
    raw.on('error', () => {});
    sock.on('end', () => {
      this.clientEnded = true;
      // Answer the FIN with ours (half-open is kept only to stream into a client that should be gone).
      if (!this.streaming) this.end();
    });
    sock.on('close', () => {
      this.closed = true;
      clearTimeout(this.deadlineTimer);
      clearTimeout(this.lifetimeTimer);
    });
    this.lifetimeTimer = setTimeout(() => this.onLifetime(), LIFETIME + 30_000);
    this.readHead();
  }

  get params(): Params {
    return this.p;
  }

  private get gone(): boolean {
    return this.closed || (this.clientEnded && !this.streaming);
  }

  // ---- reading ----

  private readHead(): void {
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16384) this.sock.destroy();
        return;
      }
      this.sock.off('data', onHead);
      const [requestLine, ...lines] = head.subarray(0, end).toString('latin1').split('\r\n');
      let key = '';
      let offer = '';
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        if (name === 'sec-websocket-key') key = line.slice(colon + 1).trim();
        if (name === 'sec-websocket-extensions') offer = line.slice(colon + 1).trim();
      }
      this.p = params(new URL(requestLine.split(' ')[1] ?? '/', 'http://x'), this.secure);
      this.rng = new Rng(this.p.seed);
      this.chunkRng = new Rng(this.p.seed ^ 0x5bd1e995);
      this.deflateRng = new Rng(this.p.seed ^ 0x2f6b1c37);
      this.deflate = DEFLATE_FUZZ && /permessage-deflate/.test(offer) && this.deflateRng.chance(1 / 3);
      this.count(this, this.p);
      clearTimeout(this.lifetimeTimer);
      this.lifetimeTimer = setTimeout(() => this.onLifetime(), LIFETIME + this.p.handshakeTimeout);
      const reader = new FrameReader((f) => this.onFrame(f), 2 ** 31 - 1, this.deflate ? AGREED : '');
      this.sock.on('data', (chunk: Buffer) => {
        this.lastClientData = performance.now();
        if (this.clientClosed) this.violation(`the client sent ${chunk.length} bytes after its close frame`);
        reader.push(chunk);
      });
      const rest = head.subarray(end + 4);
      if (rest.length > 0) reader.push(rest);
      void this.play(
        createHash('sha1')
          .update(key + GUID)
          .digest('base64'),
      ).catch((e: Error) => {
        this.violation(`fuzz server bug: ${e.stack ?? e}`);
        this.sock.destroy();
      });
    };
    this.sock.on('data', onHead);
  }

  private onFrame(f: ClientFrame): void {
    switch (f.type) {
      case 'message': {
        const own = f.data.subarray(0, CLIENT_MAGIC.length).toString('latin1') === CLIENT_MAGIC;
        // An echo of a ping's payload (the driver sends the onPing view) counts as an echo too.
        const d = digest(f.data);
        // After random bytes, the client may read anything as a message: nothing to compare with.
        if (!own && !this.desynced && !this.sentMessages.has(d) && !this.isPingPayload(f.data)) {
          this.violation(
            `the client sent a ${f.text ? 'text' : 'binary'} message of ${f.data.length} bytes that is neither its own nor an echo of one the server sent (corrupted echo?): ${f.data.subarray(0, 16).toString('hex')}…${this.elsewhere(f.data)}`,
          );
        }
        if (this.echoBudget > 0 && !this.closeSent) {
          this.echoBudget--;
          void this.send(this.message(f.text ? TEXT : BINARY, f.data));
        }
        break;
      }
      case 'ping':
        if (this.pongReplies && !this.closeSent) void this.send(frame(FIN | PONG, f.data));
        break;
      case 'pong':
        if (!this.desynced && !this.isPingPayload(f.data)) {
          this.violation(
            `the client sent a pong of ${f.data.length} bytes that matches no ping the server sent (${f.data.subarray(0, 16).toString('hex')}…)${this.elsewhere(f.data)}`,
          );
        }
        break;
      case 'close':
        this.clientClosed = true;
        this.step(`client-close(${f.code})`);
        if (this.closeReply === 'destroy') this.sock.destroy();
        else if (this.closeReply === 'echo' && !this.closeSent) {
          this.closeSent = true;
          void this.send(frame(FIN | CLOSE, f.code === 1005 ? Buffer.alloc(0) : closePayload(f.code))).then(() =>
            this.end(),
          );
        } else if (this.closeReply === 'echo') this.end();
        this.expectGone('its close frame');
        break;
      case 'error':
        this.violation(`the client sent an invalid frame: ${f.kind}: ${f.message}`);
        this.sock.destroy();
        break;
    }
  }

  private isPingPayload(data: Buffer): boolean {
    return this.sentPings.has(digest(data));
  }

  private sentPing(data: Uint8Array): void {
    this.sentPings.add(this.remember(data));
  }

  private sentMessage(data: Uint8Array): void {
    this.sentMessages.add(this.remember(data));
    // The last few messages' bytes, to say what a corrupted echo was made of.
    this.recent.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (this.recent.length > 16) this.recent.shift();
  }
  private readonly recent: Buffer[] = [];

  private remember(data: Uint8Array): string {
    const d = digest(data);
    if (this.origins.size > 200_000) this.origins.clear();
    if (data.length > 8)
      this.origins.set(d, `${this.p.runtime}:${this.p.seed}:${this.p.api}:${this.p.tls ? 'tls' : 'plain'}`);
    return d;
  }

  /** Where bytes the client sent came from, if another connection sent them. */
  private elsewhere(data: Buffer): string {
    const from = this.origins.get(digest(data));
    // The same seed makes the same bytes on every runtime: only another seed's are a mix-up.
    if (from && !from.endsWith(`:${this.p.seed}:${this.p.api}:${this.p.tls ? 'tls' : 'plain'}`))
      return `; the server sent these bytes on connection ${from} (a mix-up between connections)`;
    const head = data.subarray(0, 16);
    const tail = data.subarray(Math.max(0, data.length - 16));
    for (const m of this.recent) {
      const at = head.length > 0 ? m.indexOf(head) : -1;
      if (at < 0) continue;
      if (at === 0 && m.length === data.length) {
        let first = -1;
        let differ = 0;
        for (let i = 0; i < m.length; i++) {
          if (m[i] === data[i]) continue;
          if (first < 0) first = i;
          differ++;
        }
        return `; it is a ${m.length}-byte message the server sent here with ${differ} bytes changed, the first at byte ${first}`;
      }
      const end = m.lastIndexOf(tail);
      return `; it starts at byte ${at} of a ${m.length}-byte message the server sent here${end >= 0 ? ` (its last bytes are at ${end})` : ''}`;
    }
    return '';
  }

  // ---- writing ----

  /** Writes in order with the connection's chunking, pauses and backpressure. */
  private send(bytes: Buffer): Promise<void> {
    return this.inOrder(() => this.writeChunked(bytes));
  }

  /**
   * Runs a writer after every write queued before it, and before any queued after: an echo (queued as
   * the client's message arrives) must never land between the chunks of a flood or a stream, nor one of
   * their batches between an echo's chunks (the client would read the batch as payload).
   */
  private inOrder(write: () => Promise<void>): Promise<void> {
    const done = this.tail.then(write);
    this.tail = done.catch(() => {});
    return done;
  }

  private writable(): boolean {
    return !this.closed && !this.sock.writableEnded && !this.sock.destroyed;
  }

  private async writeChunked(bytes: Buffer): Promise<void> {
    let at = 0;
    while (at < bytes.length && this.writable()) {
      const left = bytes.length - at;
      let n = left;
      const rng = this.chunkRng;
      if (this.chunkMode === 'tiny') n = at < 4096 ? rng.range(1, 8) : rng.range(1, left);
      else if (this.chunkMode === 'small') n = at < 65536 ? rng.range(1, 512) : rng.range(1, left);
      else if (this.chunkMode === 'random') n = rng.range(1, left);
      n = Math.min(n, left);
      const more = this.sock.write(bytes.subarray(at, at + n));
      at += n;
      if (!more) await this.drained();
      if (rng.chance(this.pauseChance)) await sleep(rng.range(1, 30));
      else if (rng.chance(this.yieldChance)) await tick();
    }
  }

  private drained(): Promise<void> {
    if (!this.writable() || !this.sock.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.sock.off('drain', done);
        this.sock.off('close', done);
        resolve();
      };
      this.sock.on('drain', done);
      this.sock.on('close', done);
    });
  }

  /** Ends our side after what is queued. */
  private end(): void {
    void this.tail.then(() => {
      if (this.writable()) this.sock.end();
    });
  }

  // ---- judging ----

  private step(s: string): void {
    this.steps.push(s);
  }

  private readonly reported = new Set<string>();
  private violation(what: string): void {
    // Once per connection and kind: a flood of the same finding says nothing more.
    const kind = what.replace(/\d+/g, 'N');
    if (this.reported.has(kind) || this.reported.size >= 5) return;
    this.reported.add(kind);
    this.report(this, what);
  }

  /** The client must be gone (FIN or closed) within its close timeout plus SLACK from now. */
  private expectGone(why: string, timeout = this.p.closeTimeout): void {
    if (this.desynced) return;
    const at = performance.now() + timeout + SLACK;
    if (this.deadline && this.deadline.at <= at) return;
    this.deadline = { at, why, since: performance.now() };
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.checkGone(false), timeout + SLACK);
  }

  private checkGone(again: boolean): void {
    if (this.gone || !this.deadline) return;
    if (!this.reading && !again) {
      // A FIN is only seen when reading: read (and discard) for a moment, then judge.
      this.sock.resume();
      this.reading = true;
      this.deadlineTimer = setTimeout(() => this.checkGone(true), 500);
      return;
    }
    const now = performance.now();
    if (now - this.lastClientData < SLACK && now - this.deadline.since < MAX_EXTENSION) {
      // The client is still answering what came before (a ping flood, say): give it more time.
      this.deadlineTimer = setTimeout(() => this.checkGone(false), SLACK);
      return;
    }
    const since = Math.round(now - this.deadline.since);
    this.violation(
      `the client still had the connection open ${since} ms after ${this.deadline.why} (closeTimeout ${this.p.closeTimeout} ms, handshakeTimeout ${this.p.handshakeTimeout} ms)`,
    );
    this.sock.destroy();
  }

  private onLifetime(): void {
    if (this.closed) return;
    if (this.deadline) return; // the deadline judges and drops it
    this.step('lifetime-drop');
    this.sock.destroy();
  }

  // ---- the script ----

  private message(opcode: number, data: Uint8Array): Buffer {
    this.sentMessage(data);
    return frame(FIN | opcode, data);
  }

  private randomSize(): number {
    const max = Math.min(200_000, this.p.maxMessage);
    const size = this.rng.weighted<() => number>([
      [20, () => this.rng.range(0, 16)],
      [15, () => this.rng.pick([125, 126, 127, 65535, 65536, 65537])],
      [30, () => this.rng.range(0, 2000)],
      [20, () => this.rng.range(2000, 65536)],
      [15, () => this.rng.range(65536, max)],
    ])();
    return Math.min(size, max);
  }

  private controlFrame(): Buffer {
    const data = this.rng.bytes(this.rng.range(0, 125));
    if (this.rng.chance(0.7)) {
      this.sentPing(data);
      return frame(FIN | PING, data);
    }
    return frame(FIN | PONG, data);
  }

  /** A valid message, maybe fragmented, maybe with control frames between its fragments. */
  private validMessage(): Buffer {
    const text = this.rng.chance(0.4);
    const size = this.randomSize();
    const data = text ? utf8Text(this.rng, size) : Buffer.from(this.rng.bytes(size));
    this.sentMessage(data);
    if (this.deflate && this.deflateRng.chance(0.5)) return this.compressedMessage(text, data);
    const n = this.rng.weighted<number>([
      [60, 1],
      [25, this.rng.range(2, 4)],
      [10, this.rng.range(5, 20)],
      [5, this.rng.range(21, 200)],
    ]);
    const parts = split(this.rng, data, n);
    const frames: Buffer[] = [];
    parts.forEach((part, i) => {
      // Now and then a non-minimal length encoding: RFC 6455 asks for minimal, receivers (ws too) accept it.
      const len = this.rng.chance(0.05) && part.length < 65536 ? 64 : undefined;
      frames.push(frame((i === n - 1 ? FIN : 0) | (i === 0 ? (text ? TEXT : BINARY) : CONT), part, len ? { len } : {}));
      if (i < n - 1 && this.rng.chance(0.2)) frames.push(this.controlFrame());
    });
    return Buffer.concat(frames);
  }

  /** What breaks permessage-deflate: data that does not inflate, RSV1 where it may not be, a bomb. */
  private brokenCompressed(): { name: string; bytes: Buffer } {
    const rng = this.deflateRng;
    const which = rng.pick(['bad-deflate', 'rsv1-continuation', 'rsv1-control', 'deflate-bomb'] as const);
    switch (which) {
      case 'bad-deflate':
        // A block of the reserved type 3: never valid DEFLATE.
        return { name: which, bytes: frame(FIN | RSV1 | BINARY, Buffer.from([0x07, ...rng.bytes(rng.range(0, 30))])) };
      case 'rsv1-continuation':
        return {
          name: which,
          bytes: Buffer.concat([
            frame(RSV1 | TEXT, deflated(Buffer.from('hel'))),
            frame(FIN | RSV1 | CONT, Buffer.from('lo')),
          ]),
        };
      case 'rsv1-control':
        return { name: which, bytes: frame(FIN | RSV1 | PING, Buffer.from('x')) };
      case 'deflate-bomb':
        return { name: which, bytes: frame(FIN | RSV1 | BINARY, bombFor(this.p.maxMessage)) };
    }
  }

  /** A valid message compressed (RSV1 on its first frame), maybe fragmented. */
  private compressedMessage(text: boolean, data: Buffer): Buffer {
    const parts = split(this.deflateRng, deflated(data), this.deflateRng.range(1, 4));
    return Buffer.concat(
      parts.map((part, i) =>
        frame((i === parts.length - 1 ? FIN : 0) | (i === 0 ? RSV1 | (text ? TEXT : BINARY) : CONT), part),
      ),
    );
  }

  /** A frame (or frames) that breaks RFC 6455 or the client's limits. */
  private brokenFrames(): { name: string; bytes: Buffer } {
    if (this.deflate && this.deflateRng.chance(0.3)) return this.brokenCompressed();
    const rng = this.rng;
    const mm = this.p.maxMessage;
    const small = () => Buffer.from(rng.bytes(rng.range(0, 40)));
    const cases: [number, () => { name: string; bytes: Buffer }][] = [
      [
        3,
        () => ({
          name: 'rsv',
          bytes: frame(FIN | rng.pick([0x40, 0x20, 0x10, 0x70]) | rng.pick([TEXT, BINARY, PING]), Buffer.from('hello')),
        }),
      ],
      [3, () => ({ name: 'opcode', bytes: frame(FIN | rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), small()) })],
      [
        2,
        () => ({
          name: 'masked',
          bytes: frame(FIN | rng.pick([TEXT, BINARY, PING]), Buffer.from('masked'), { mask: true }),
        }),
      ],
      [
        3,
        () => {
          const text = utf8Text(rng, rng.range(0, rng.chance(0.3) ? 100_000 : 300));
          // At a character boundary: a bad sequence next to half a character could complete it.
          let at = rng.int(text.length + 1);
          while (at < text.length && (text[at] & 0xc0) === 0x80) at++;
          const bad = Buffer.concat([
            text.subarray(0, at),
            Buffer.from(rng.pick(BAD_UTF8)),
            rng.chance(0.5) ? text.subarray(at) : Buffer.alloc(0),
          ]);
          const n = rng.range(1, 4);
          const parts = split(rng, bad, n);
          return {
            name: 'bad-utf8',
            bytes: Buffer.concat(parts.map((p, i) => frame((i === n - 1 ? FIN : 0) | (i === 0 ? TEXT : CONT), p))),
          };
        },
      ],
      [
        2,
        () => ({
          name: 'big-control',
          bytes: frame(FIN | rng.pick([PING, PONG, CLOSE]), Buffer.from(rng.bytes(rng.range(126, 300)))),
        }),
      ],
      [2, () => ({ name: 'fragmented-control', bytes: frame(rng.pick([PING, PONG, CLOSE]), Buffer.from('x')) })],
      [2, () => ({ name: 'stray-continuation', bytes: frame(FIN | CONT, small()) })],
      [
        2,
        () => ({
          name: 'data-inside-fragmented',
          bytes: Buffer.concat([frame(TEXT, Buffer.from('ab')), frame(FIN | BINARY, small())]),
        }),
      ],
      [
        3,
        () => ({
          name: 'bad-close-code',
          bytes: frame(FIN | CLOSE, closePayload(rng.pick(INVALID_CLOSE), Buffer.from('bye'))),
        }),
      ],
      [1, () => ({ name: 'close-1-byte', bytes: frame(FIN | CLOSE, Buffer.from([0x03])) })],
      [
        1,
        () => ({
          name: 'close-bad-utf8',
          bytes: frame(FIN | CLOSE, closePayload(1000, Buffer.from(rng.pick(BAD_UTF8)))),
        }),
      ],
      [
        3,
        () => {
          // Over maxMessage in one frame: the header, then as much payload as the script writes.
          const n = mm + 1 + rng.int(mm);
          const whole = rng.chance(0.3) && n < 4 * 1024 * 1024;
          return {
            name: 'over-max',
            bytes: whole ? frame(FIN | BINARY, Buffer.from(rng.bytes(n))) : header64(FIN | BINARY, BigInt(n)),
          };
        },
      ],
      [
        mm <= 256 * 1024 ? 2 : 0,
        () => {
          // Fragments that are each small but add up to more than maxMessage (legitimately buffered until
          // then: only for small limits, so that the client's memory bound holds).
          const piece = Buffer.from(rng.bytes(Math.max(1, Math.ceil((mm + 1) / rng.range(2, 8)))));
          const frames = [frame(BINARY, piece)];
          for (let sum = piece.length; sum <= mm; sum += piece.length) frames.push(frame(CONT, piece));
          frames.push(frame(FIN | CONT, piece));
          return { name: 'over-max-fragmented', bytes: Buffer.concat(frames) };
        },
      ],
      [2, () => ({ name: 'length-top-bit', bytes: header64(FIN | BINARY, (1n << 63n) | BigInt(rng.u32())) })],
      [1, () => ({ name: 'length-2^53', bytes: header64(FIN | BINARY, 1n << BigInt(rng.range(32, 62))) })],
    ];
    return rng.weighted(cases)();
  }

  private async play(accept: string): Promise<void> {
    const rng = this.rng;
    const p = this.p;
    if (p.probe) return this.playProbe(accept);
    this.chunkMode = rng.weighted<ChunkMode>([
      [40, 'whole'],
      [15, 'tiny'],
      [20, 'small'],
      [25, 'random'],
    ]);
    this.yieldChance = rng.pick([0, 0.05, 0.3]);
    this.pauseChance = rng.pick([0, 0, 0.01, 0.05]);
    this.pongReplies = rng.chance(0.8);
    this.closeReply = rng.weighted<'echo' | 'ignore' | 'destroy'>([
      [75, 'echo'],
      [10, 'ignore'],
      [15, 'destroy'],
    ]);
    this.step(`${this.chunkMode}/${this.closeReply}/mm=${p.maxMessage}/mb=${p.maxBuffered}`);

    const head = rng.weighted<string>([
      [86, 'ok'],
      [2, 'silent'],
      [12, 'bad'],
    ]);
    if (head === 'silent') {
      this.step('silent-handshake');
      this.expectGone('a handshake the server never answered', p.handshakeTimeout);
      return;
    }
    if (head === 'bad') return this.badHandshake(accept);

    const extensions = this.deflate ? `Sec-WebSocket-Extensions: ${AGREED}\r\n` : '';
    const upgrade = Buffer.from(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extensions}\r\n`,
    );
    if (this.deflate) this.step('permessage-deflate');
    // Half the time the first frames share the 101's write, so they arrive with it.
    const withHead = rng.chance(0.5) ? this.validMessage() : Buffer.alloc(0);
    this.step(withHead.length ? 'upgrade+message' : 'upgrade');
    await this.send(Buffer.concat([upgrade, withHead]));

    const nSteps = rng.range(1, 14);
    for (let i = 0; i < nSteps && !this.gone && !this.clientClosed; i++) {
      if (await this.randomStep()) return;
    }
    if (this.gone || this.clientClosed) return;
    const ending = rng.weighted<string>([
      [50, 'close'],
      [20, 'wait'],
      [10, 'half-close'],
      [10, 'reset'],
      [10, 'destroy'],
    ]);
    await this.terminal(ending);
  }

  /** One step of the script; true when it ended the conversation (the client must go). */
  private async randomStep(): Promise<boolean> {
    const rng = this.rng;
    const kind = rng.weighted<string>([
      [30, 'message'],
      [8, 'ping'],
      [3, 'pong'],
      [5, 'ping-flood'],
      [1, 'pong-flood'],
      [8, 'broken'],
      [2, 'garbage'],
      [6, 'close'],
      [3, 'bad-close'],
      [2, 'half-close'],
      [2, 'reset'],
      [2, 'destroy'],
      [8, 'pause'],
      [3, 'stop-reading'],
      [2, 'resume-reading'],
      [6, 'echo'],
    ]);
    switch (kind) {
      case 'message':
        this.step('message');
        await this.send(this.validMessage());
        return false;
      case 'ping':
      case 'pong':
        this.step(kind);
        await this.send(
          kind === 'ping'
            ? frame(FIN | PING, this.pingPayload(rng.range(0, 125)))
            : frame(FIN | PONG, Buffer.from(rng.bytes(rng.range(0, 125)))),
        );
        return false;
      case 'ping-flood':
      case 'pong-flood': {
        // Many tiny pings cost the server little, and a client that queues a pong per ping a lot,
        // most of all when the server does not read: then floods are mostly big.
        if (rng.chance(0.6)) this.stopReading();
        const size = rng.weighted<number>([
          [40, 0],
          [20, rng.range(1, 8)],
          [40, rng.range(9, 125)],
        ]);
        const big = rng.chance(this.reading ? 0.3 : 0.6);
        const count = Math.min(
          big ? rng.range(200_000, 1_200_000) : rng.chance(0.5) ? rng.range(100, 2000) : rng.range(2000, 50_000),
          Math.floor((20 * 1024 * 1024) / (size + 2)),
        );
        this.step(`${kind}(${count}x${size}${this.reading ? '' : ',not-reading'})`);
        await this.inOrder(() => this.flood(kind === 'ping-flood' ? PING : PONG, count, size));
        return false;
      }
      case 'broken': {
        const broken = this.brokenFrames();
        this.step(`broken:${broken.name}`);
        await this.send(broken.bytes);
        this.expectGone(`a broken frame (${broken.name})`);
        await this.afterError();
        return true;
      }
      case 'garbage':
        // Random bytes: maybe a broken frame, maybe the start of one that never completes.
        this.step('garbage');
        this.desynced = true;
        await this.send(Buffer.from(rng.bytes(rng.range(1, 64))));
        return false;
      case 'pause': {
        const ms = rng.chance(0.1) ? rng.range(300, 1000) : rng.range(1, 300);
        this.step(`pause(${ms})`);
        await sleep(ms);
        return false;
      }
      case 'stop-reading':
        this.stopReading();
        return false;
      case 'resume-reading':
        this.step('resume-reading');
        this.reading = true;
        this.sock.resume();
        return false;
      case 'echo':
        this.echoBudget += rng.range(1, 10);
        this.step(`echo(${this.echoBudget})`);
        return false;
      default:
        await this.terminal(kind);
        return true;
    }
  }

  private stopReading(): void {
    this.step('stop-reading');
    this.reading = false;
    this.sock.pause();
  }

  private pingPayload(size: number): Buffer {
    const data = Buffer.from(this.rng.bytes(size));
    this.sentPing(data);
    return data;
  }

  /** `count` identical control frames, written in batches of 64 KiB (a write per frame would be slow). */
  private async flood(opcode: number, count: number, size: number): Promise<void> {
    const data = Buffer.from(this.rng.bytes(size));
    if (opcode === PING) this.sentPing(data);
    const one = frame(FIN | opcode, data);
    const perBatch = Math.max(1, Math.floor(65536 / one.length));
    const batch = Buffer.concat(Array.from({ length: perBatch }, () => one));
    for (let left = count; left > 0 && this.writable(); left -= perBatch) {
      const more = this.sock.write(left >= perBatch ? batch : batch.subarray(0, left * one.length));
      if (!more) await this.drained();
      else await tick();
    }
  }

  /** After a protocol error: go on streaming, idle, close, end or reset. */
  private async afterError(): Promise<void> {
    const next = this.rng.weighted<string>([
      [40, 'stream'],
      [20, 'idle'],
      [15, 'close'],
      [10, 'half-close'],
      [15, 'reset'],
    ]);
    this.step(`then-${next}`);
    if (next === 'stream') await this.inOrder(() => this.stream());
    else if (next === 'close') await this.send(frame(FIN | CLOSE, closePayload(1000)));
    else if (next === 'half-close') this.end();
    else if (next === 'reset') this.raw.resetAndDestroy();
  }

  /** Writes without end (valid big frames or random bytes) until the client drops the connection. */
  private async stream(): Promise<void> {
    this.streaming = true;
    const garbage = this.rng.chance(0.5);
    const block = garbage
      ? Buffer.from(this.rng.bytes(16384))
      : frame(FIN | BINARY, Buffer.from(this.rng.bytes(16384)));
    const stop = performance.now() + this.p.closeTimeout + SLACK + 1000;
    while (this.writable() && performance.now() < stop) {
      if (!this.sock.write(block)) await this.drained();
      else await tick();
    }
  }

  private async terminal(kind: string): Promise<void> {
    const rng = this.rng;
    this.step(kind);
    switch (kind) {
      case 'close': {
        const payload = rng.chance(0.2)
          ? Buffer.alloc(0)
          : closePayload(rng.pick(VALID_CLOSE), utf8Text(rng, rng.range(0, 123)));
        this.closeSent = true;
        await this.send(frame(FIN | CLOSE, payload));
        this.expectGone('a valid close frame');
        const after = rng.weighted<string>([
          [70, 'wait'],
          [10, 'data-after-close'],
          [10, 'end'],
          [10, 'destroy'],
        ]);
        this.step(after);
        if (after === 'data-after-close') await this.send(this.validMessage());
        else if (after === 'end') this.end();
        else if (after === 'destroy') this.sock.destroy();
        return;
      }
      case 'bad-close':
        this.closeSent = true;
        await this.send(frame(FIN | CLOSE, closePayload(rng.pick(INVALID_CLOSE))));
        this.expectGone('a close frame with an invalid code');
        return;
      case 'half-close':
        this.end();
        this.expectGone('the server half-closed (FIN)');
        return;
      case 'reset':
        await this.tail;
        this.raw.resetAndDestroy();
        return;
      case 'destroy':
        await this.tail;
        this.sock.destroy();
        return;
      case 'wait':
        return; // until the client closes or LIFETIME runs out
    }
  }

  private async badHandshake(accept: string): Promise<void> {
    const rng = this.rng;
    const ok = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`;
    const bad = rng.weighted<[string, string | (() => Promise<void>)]>([
      [3, ['status-200', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello']],
      [2, ['status-404', 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n']],
      [3, ['bad-accept', `${ok}Sec-WebSocket-Accept: ${createHash('sha1').update('x').digest('base64')}\r\n\r\n`]],
      [
        2,
        [
          'no-upgrade',
          `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        ],
      ],
      [2, ['unasked-protocol', `${ok}Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`]],
      [
        2,
        [
          'unasked-extension',
          `${ok}Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame\r\n\r\n`,
        ],
      ],
      [
        2,
        [
          'bad-deflate-parameter',
          `${ok}Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Extensions: permessage-deflate; ${rng.pick([
            'server_max_window_bits=16',
            'client_max_window_bits=7',
            'x_param',
            'server_no_context_takeover; server_no_context_takeover',
          ])}\r\n\r\n`,
        ],
      ],
      [2, ['garbage', Buffer.from(rng.bytes(rng.range(1, 200))).toString('latin1')]],
      [2, ['half-head', `${ok}Sec-WebSocket-Acc`]],
      [
        2,
        [
          'huge-head',
          async () => {
            // Header lines without end: the client must give up (a head limit or its timeout), not buffer.
            this.streaming = true;
            await this.send(Buffer.from(ok));
            const line = Buffer.from(`X-Filler: ${'f'.repeat(1000)}\r\n`);
            const stop = performance.now() + this.p.handshakeTimeout + SLACK + 1000;
            while (this.writable() && performance.now() < stop) {
              if (!this.sock.write(line)) await this.drained();
              else await tick();
            }
          },
        ],
      ],
    ]);
    const [name, what] = bad;
    const then = rng.weighted<string>([
      [50, 'keep-open'],
      [25, 'end'],
      [25, 'reset'],
    ]);
    this.step(`bad-handshake:${name}/${then}`);
    this.expectGone(`a bad handshake response (${name})`, this.p.handshakeTimeout);
    if (typeof what === 'string') await this.send(Buffer.from(what, 'latin1'));
    else await what();
    if (then === 'end') this.end();
    else if (then === 'reset') {
      await this.tail;
      this.raw.resetAndDestroy();
    }
  }

  /** The driver's last connections: a plain echo that closes cleanly, so a leaked timer shows as a late exit. */
  private async playProbe(accept: string): Promise<void> {
    this.echoBudget = 1000;
    this.step(`probe:${this.p.probe}`);
    await this.send(
      Buffer.from(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      ),
    );
    if (this.p.probe === 'server-close') {
      await this.send(this.message(TEXT, Buffer.from('probe')));
      await sleep(50);
      this.closeSent = true;
      await this.send(frame(FIN | CLOSE, closePayload(1000)));
      this.expectGone('a valid close frame');
    }
  }
}

/** `trace`: called with each connection's steps when it ends (FUZZ_TRACE in the harness). */
export async function startFuzzServer(
  certs: { cert: string; key: string },
  trace?: (line: string) => void,
): Promise<FuzzServer> {
  const violations = new Map<string, ServerViolation[]>();
  // Defects of a runtime rather than of the client, seen in this server's life (reported as todo).
  const known = new Set<string>();
  const stats = new Map<string, RunStats>();
  const sockets = new Set<net.Socket>();
  const origins = new Map<string, string>();
  const secureContext = tls.createSecureContext({ cert: certs.cert, key: certs.key });

  const report = (peer: Peer, what: string) => {
    const p = peer.params;
    const list = violations.get(p.run) ?? [];
    if (list.length < 200)
      list.push({ run: p.run, runtime: p.runtime, seed: p.seed, api: p.api, tls: p.tls, what, steps: [...peer.steps] });
    violations.set(p.run, list);
  };
  const count = (_peer: Peer, p: Params) => {
    const s = stats.get(p.run) ?? { connections: 0, steps: {} };
    s.connections++;
    stats.set(p.run, s);
  };
  const countSteps = (peer: Peer) => {
    const s = peer.params && stats.get(peer.params.run);
    if (!s) return;
    const p = peer.params;
    trace?.(
      JSON.stringify({
        run: p.run,
        replay: `${p.runtime}:${p.seed}:${p.api}:${p.tls ? 'tls' : 'plain'}`,
        steps: peer.steps.join(' → '),
      }),
    );
    for (const step of peer.steps) {
      const name = step.replace(/\(.*$/, '');
      s.steps[name] = (s.steps[name] ?? 0) + 1;
    }
  };

  /** Every socket (raw, and TLS over it) until it closes: stop() destroys what is left. */
  const track = <S extends net.Socket>(socket: S): S => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const listen = async (secure: boolean) => {
    const server = net.createServer({ allowHalfOpen: true }, (raw) => {
      track(raw);
      raw.setNoDelay(true);
      const sock = secure ? track(new tls.TLSSocket(raw, { isServer: true, secureContext })) : raw;
      const peer = new Peer(sock, raw, secure, report, count, origins);
      raw.on('close', () => countSteps(peer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  const plain = await listen(false);
  const secure = await listen(true);
  // Accepts, reads, never answers: a client must give up at its handshakeTimeout and close the socket.
  let currentRun = '';
  const mute = net.createServer({ allowHalfOpen: true }, (raw) => {
    track(raw);
    raw.on('error', () => {});
    const run = currentRun;
    const started = performance.now();
    // What the client sent first says which it was: a TLS ClientHello (0x16), or a request naming its seed.
    let who = { seed: -1, api: '?', tls: false };
    raw.once('data', (first: Buffer) => {
      if (first[0] === 0x16) who = { ...who, tls: true };
      else {
        const p = params(new URL(first.toString('latin1').split(' ')[1] ?? '/', 'http://x'), false);
        who = { seed: p.seed, api: p.api, tls: false };
      }
    });
    raw.resume();
    const timer = setTimeout(() => {
      raw.destroy();
      // Deno 2.9 keeps the TCP socket of a TlsConn closed before its handshake completes open until the
      // process exits (closing it cancels the handshake, not the socket): a known defect of the runtime,
      // reported as such (the test marks it todo), not as the client's.
      if (who.tls && run.startsWith('deno')) {
        known.add('Deno keeps the TCP socket of a TLS handshake closed before it completes open until exit');
        return;
      }
      const list = violations.get(run) ?? [];
      list.push({
        run,
        runtime: run.split('-')[0],
        ...who,
        steps: ['mute'],
        what: `a ${who.tls ? 'wss' : 'ws'} connection to the mute listener (never answers, not even TLS) was still open ${Math.round(performance.now() - started)} ms after it was accepted (handshakeTimeout ≤ ${MUTE_HANDSHAKE_TIMEOUT} ms)`,
      });
      violations.set(run, list);
    }, MUTE_HANDSHAKE_TIMEOUT + SLACK);
    raw.on('end', () => raw.end());
    raw.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port(plain)}/fuzz`,
    tlsUrl: `wss://localhost:${port(secure)}/fuzz`,
    muteHost: `localhost:${port(mute)}`,
    setRun: (run) => (currentRun = run),
    violations: (run) => violations.get(run) ?? [],
    known: () => [...known],
    stats: (run) => stats.get(run) ?? { connections: 0, steps: {} },
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all([plain, secure, mute].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
