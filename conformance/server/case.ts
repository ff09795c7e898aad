// The case model of the fuzzing server: what a case sees of one client connection (`Conn`), how it
// sends (frames built by hand so they can be anything, written whole, in chops, with pauses), and the
// judges that turn what the client did into a verdict as the Autobahn TestSuite gives them.
//
// Roles: the same cases also drive servers (conformance/client/, the fuzzing client, as Autobahn's
// fuzzingclient). A `Conn` has the role of the side running the case: 'server' (the default: the
// fuzzing server, whose frames are unmasked, reading a client's masked frames) or 'client' (the
// fuzzing client, masking every frame with a fresh key, reading a server's unmasked frames). Cases build
// frames with `c.frame()` so they come out as their role sends them; "the client" in the comments below
// is the peer under test, a server with the roles swapped.
//
// Verdicts:
//   OK             the client did what RFC 6455 requires (and, where it matters, what it recommends)
//   NON-STRICT     acceptable by the RFC but not the strict behaviour (no close frame when failing, not
//                  failing fast on invalid UTF-8, missing an echo of a message before a violation)
//   INFORMATIONAL  behaviour the RFC leaves open; recorded, never a failure
//   FAILED         the client broke the RFC; `reason` says how
import { randomFillSync } from 'node:crypto';
import type net from 'node:net';
import { FrameReader, type PeerFrame, deflateFor, type PerMessageDeflate, type Role } from './frame-reader.ts';

export type { Role };

export type Verdict = 'OK' | 'NON-STRICT' | 'INFORMATIONAL' | 'FAILED';
export const VERDICTS: readonly Verdict[] = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'FAILED'];

export interface Outcome {
  verdict: Verdict;
  reason: string;
}

export interface CaseSpec {
  /** "1.1.3": group, subgroup, number. */
  id: string;
  description: string;
  run(c: Conn): Promise<Outcome>;
  /** Milliseconds the whole case may take (default 10 s). */
  timeout?: number;
  /** A large group-9 case: left out of the quick selection (see cases/index.ts). */
  heavy?: boolean;
  /**
   * permessage-deflate (groups 12 and 13): the response's Sec-WebSocket-Extensions, given the client's
   * offer; the case runs only if the client offered the extension (see `Conn.extensions`).
   */
  deflate?(offer: string): string;
  /** The case with the roles swapped, where it differs: the fuzzing client driving a server (conformance/client/). */
  mirror?: Mirror;
}

/** How a case runs with the roles swapped (the fuzzing client driving a server), where that differs. */
export interface Mirror {
  /** The description, when the case's own names the roles (e.g. which side must mask). */
  description?: string;
  /** permessage-deflate: the Sec-WebSocket-Extensions the fuzzing client offers (as Autobahn's client does). */
  offer?: string;
  /** Why the case does not apply to a server: it is not run, and listed as skipped with this reason. */
  skip?: string;
}

export interface CaseResult {
  id: string;
  group: number;
  description: string;
  verdict: Verdict;
  reason: string;
  /** Milliseconds from the opening handshake to the end of the case. */
  ms: number;
  /** The close code in the close frame of the peer under test (the client; with the roles swapped, the server); null when it sent none. */
  clientCloseCode: number | null;
}

export const OPCODE = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** What the peer under test sent or did, in order. `at` is ms since the case started. */
export type Received =
  | { type: 'message'; text: boolean; data: Buffer; at: number }
  | { type: 'ping' | 'pong'; data: Buffer; at: number }
  | { type: 'close'; code: number; reason: string; at: number }
  | { type: 'bad-frame'; kind: string; at: number }
  | { type: 'end'; at: number };

export interface FrameOptions {
  fin?: boolean;
  /** RSV bits as in the first byte: 0x40, 0x20, 0x10. */
  rsv?: number;
  /** Mask the frame, or not, whatever `role` requires (default: as `role` requires). */
  mask?: boolean;
  /**
   * Break `role`'s masking rule: a server's frame masked, a client's not (the cases that check the peer
   * refuses it). `mask`, when given, wins.
   */
  wrongMask?: boolean;
  /** Write this length into the header instead of the payload's (the payload is sent as given). */
  declaredLength?: bigint;
  /**
   * Who sends the frame (default 'server'): a server's frames are unmasked (masked: with a fixed key); a
   * client's are masked with a fresh random key each (RFC 6455 §5.3).
   */
  role?: Role;
}

/** The key a server-role frame is masked with when it must break the rule (fixed: the bytes stay the same). */
const SERVER_MASK_KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/**
 * A frame as `options.role` sends it (default: a server): any opcode, any bits, any payload size
 * (control frames too).
 */
export function frame(
  opcode: number,
  payload: Uint8Array | string = new Uint8Array(0),
  options: FrameOptions = {},
): Buffer {
  const role = options.role ?? 'server';
  const masked = options.mask ?? (role === 'client') !== (options.wrongMask ?? false);
  const body =
    typeof payload === 'string'
      ? Buffer.from(payload, 'utf8')
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const n = options.declaredLength ?? BigInt(body.length);
  const b0 = ((options.fin ?? true) ? 0x80 : 0) | (options.rsv ?? 0) | (opcode & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  let head: Buffer;
  if (n < 126n) head = Buffer.from([b0, maskBit | Number(n)]);
  else if (n < 65536n) {
    head = Buffer.from([b0, maskBit | 126, 0, 0]);
    head.writeUInt16BE(Number(n), 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(n, 2);
  }
  if (!masked) return Buffer.concat([head, body]);
  const key = role === 'client' ? randomFillSync(Buffer.alloc(4)) : SERVER_MASK_KEY;
  const out = Buffer.alloc(body.length);
  for (let i = 0; i < body.length; i++) out[i] = body[i] ^ key[i & 3];
  return Buffer.concat([head, key, out]);
}

export function closePayload(code: number, reason: string | Uint8Array = ''): Buffer {
  const r = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : Buffer.from(reason);
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

/** A message the peer is expected to echo. */
export interface Msg {
  text: boolean;
  data: Buffer;
}
export const text = (data: string | Uint8Array): Msg => ({
  text: true,
  data: typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data),
});
export const binary = (data: Uint8Array): Msg => ({ text: false, data: Buffer.from(data) });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long a case waits for the peer to answer (echo, pong, close, the server's TCP close) before judging it did not. */
export const WAIT = 2000;
/** How long a fail-fast case pauses after the chop with the invalid byte for the client to fail. */
export const FAIL_FAST_PAUSE = 300;

/**
 * One connection after the opening handshake, as a case drives it: in the 'server' role (the fuzzing
 * server and a client under test) or the 'client' role (the fuzzing client and a server under test).
 */
export class Conn {
  readonly events: Received[] = [];
  private readonly started = performance.now();
  private readonly waiters = new Set<() => void>();
  /** Reads the peer's frames with an independent parser (ws's Receiver), never the project's codec. */
  private readonly reader: FrameReader;
  /** ws's permessage-deflate for what this side sends, when the handshake agreed to it. */
  private readonly compressor: PerMessageDeflate | null;
  /** This side sent a close frame. */
  closeSent = false;
  /** The socket is fully closed. */
  closed = false;
  private readonly closedPromise: Promise<void>;

  /**
   * `extensions`: the Sec-WebSocket-Extensions agreed ('' for none): the server's answer, or in the
   * client role the parameters the fuzzing client applies (see conformance/client/handshake.ts).
   * `role`: this side's.
   */
  constructor(
    readonly socket: net.Socket,
    readonly extensions = '',
    readonly role: Role = 'server',
  ) {
    this.reader = new FrameReader((f) => this.onFrame(f), 64 * 1024 * 1024, extensions, role);
    this.compressor = extensions ? deflateFor(extensions, 64 * 1024 * 1024, role) : null;
    this.closedPromise = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push({ type: 'end', at: this.now() }));
    socket.on('close', () => {
      this.closed = true;
      if (!this.events.some((e) => e.type === 'end')) this.push({ type: 'end', at: this.now() });
    });
  }

  now(): number {
    return performance.now() - this.started;
  }

  /** The peer under test, as the judges' reasons name it. */
  get peer(): 'client' | 'server' {
    return this.role === 'server' ? 'client' : 'server';
  }

  /** A frame as this side sends it (see `frame()`): masked with a fresh key in the client role. */
  frame(opcode: number, payload?: Uint8Array | string, options: FrameOptions = {}): Buffer {
    return frame(opcode, payload, { role: this.role, ...options });
  }

  private push(event: Received): void {
    this.events.push(event);
    for (const wake of [...this.waiters]) wake();
  }

  onData(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  private onFrame(f: PeerFrame): void {
    const at = this.now();
    if (f.type === 'error') this.push({ type: 'bad-frame', kind: `${f.kind}: ${f.message}`, at });
    else this.push({ ...f, at });
  }

  // ---- what the peer did ----

  messages(): Extract<Received, { type: 'message' }>[] {
    return this.events.filter((e) => e.type === 'message') as Extract<Received, { type: 'message' }>[];
  }
  pongs(): Buffer[] {
    return this.events.filter((e) => e.type === 'pong').map((e) => (e as { data: Buffer }).data);
  }
  /** The peer's close frame: the client's (the server's, with the roles swapped). */
  clientClose(): Extract<Received, { type: 'close' }> | undefined {
    return this.events.find((e) => e.type === 'close') as Extract<Received, { type: 'close' }> | undefined;
  }
  badFrame(): string | undefined {
    return (this.events.find((e) => e.type === 'bad-frame') as { kind: string } | undefined)?.kind;
  }
  ended(): boolean {
    return this.events.some((e) => e.type === 'end');
  }
  /** The peer failed or closed the connection: a close frame, a broken frame, or the TCP end. */
  gone(): boolean {
    return this.events.some((e) => e.type === 'close' || e.type === 'end' || e.type === 'bad-frame');
  }

  /** Resolves true once `pred` holds, false after `ms`. */
  waitFor(pred: () => boolean, ms: number = WAIT): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        if (!pred()) return;
        done(true);
      };
      const timer = setTimeout(() => done(pred()), ms);
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(value);
      };
      this.waiters.add(wake);
    });
  }

  // ---- sending ----

  /** Writes bytes; resolves when the socket has taken them (waits for drain when it is full). */
  write(data: Uint8Array): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    const more = this.socket.write(data);
    if (more) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Writes `data` in chops of `size` bytes, each its own write, `delay` ms apart (0: one event-loop turn). */
  async writeChops(data: Uint8Array, size: number, delay = 0): Promise<void> {
    for (let at = 0; at < data.length; at += size) {
      await this.write(data.subarray(at, Math.min(data.length, at + size)));
      if (this.socket.destroyed) return;
      if (delay > 0) await sleep(delay);
      else await tick();
    }
  }

  /**
   * Fail-fast probe: writes `data[0, cut)` (which ends with the invalid byte), waits up to `pause` ms
   * for the peer to fail the connection, then writes the rest. Resolves whether it failed in time.
   */
  async writeFailFast(data: Uint8Array, cut: number, pause = FAIL_FAST_PAUSE, chop = 0): Promise<boolean> {
    const head = data.subarray(0, cut);
    if (chop > 0) await this.writeChops(head, chop);
    else await this.write(head);
    const fast = await this.waitFor(() => this.gone(), pause);
    if (chop > 0) await this.writeChops(data.subarray(cut), chop);
    else await this.write(data.subarray(cut));
    return fast;
  }

  send(opcode: number, payload?: Uint8Array | string, options?: FrameOptions): Promise<void> {
    return this.write(this.frame(opcode, payload, options));
  }

  /** A message compressed as permessage-deflate agreed (RSV1), in one frame. */
  async sendCompressed(opcode: number, payload: Uint8Array): Promise<void> {
    const compressor = this.compressor;
    if (!compressor) throw new Error('permessage-deflate was not agreed');
    const data = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const compressed = await new Promise<Buffer>((resolve, reject) =>
      compressor.compress(data, true, (error, result) => (error ? reject(error) : resolve(result!))),
    );
    await this.write(this.frame(opcode, compressed, { rsv: 0x40 }));
  }

  /** Sends a close frame (once) and half-closes nothing: the client answers, then the server ends TCP. */
  async sendClose(payload: Uint8Array = new Uint8Array(0)): Promise<void> {
    if (this.closeSent) return;
    this.closeSent = true;
    await this.write(this.frame(OPCODE.close, payload));
  }

  /** Answers the peer's close frame, if it sent one and this side has not closed: its code, or empty. */
  async answerClose(): Promise<void> {
    const close = this.clientClose();
    if (close && !this.closeSent)
      await this.sendClose(close.code === 1005 ? new Uint8Array(0) : closePayload(close.code));
  }

  /**
   * Ends the case: answers a close the peer sent, and closes TCP: the server closes first (RFC 6455
   * §7.1.1), so in the client role it waits up to `ms` for the server to, and only then closes. Waits.
   */
  async finish(ms = 1000): Promise<void> {
    await this.answerClose();
    if (this.role === 'client') await this.waitFor(() => this.ended(), ms);
    if (!this.socket.destroyed) this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), ms);
    await this.closedPromise;
    clearTimeout(timer);
    this.reader.close();
    this.compressor?.cleanup();
  }

  destroy(): void {
    this.socket.destroy();
    this.compressor?.cleanup();
  }
}

// ---- judges ----

const ok = (reason = ''): Outcome => ({ verdict: 'OK', reason });
const failed = (reason: string): Outcome => ({ verdict: 'FAILED', reason });
const nonStrict = (reason: string): Outcome => ({ verdict: 'NON-STRICT', reason });

function show(data: Buffer, asText: boolean): string {
  if (data.length > 40) return `${data.length} bytes`;
  return asText ? JSON.stringify(data.toString('utf8')) : `0x${data.toString('hex') || '(empty)'}`;
}

/** Whether the echoes match the messages sent, in order: null, or what differs. */
function compareEchoes(got: Extract<Received, { type: 'message' }>[], want: Msg[]): string | null {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const g = got[i];
    const w = want[i];
    if (!g) return `expected echo mismatch: ${want.length} message(s) sent, ${got.length} echoed`;
    if (!w)
      return `expected echo mismatch: an extra message came back (${g.text ? 'text' : 'binary'}, ${show(g.data, g.text)})`;
    if (g.text !== w.text)
      return `expected echo mismatch: message ${i + 1} came back as ${g.text ? 'text' : 'binary'}, sent as ${w.text ? 'text' : 'binary'}`;
    if (!g.data.equals(w.data))
      return `expected echo mismatch: message ${i + 1} sent ${show(w.data, w.text)}, echoed ${show(g.data, g.text)}`;
  }
  return null;
}

function pongProblem(c: Conn, pings: Buffer[]): Outcome | null {
  if (pings.length === 0) return null;
  const pongs = c.pongs();
  const same = pongs.length === pings.length && pongs.every((p, i) => p.equals(pings[i]));
  if (same) return null;
  // RFC 6455 §5.5.3: an endpoint may answer only the most recent of several pings.
  if (pongs.length > 0 && pongs.length < pings.length && pongs[pongs.length - 1].equals(pings[pings.length - 1])) {
    return nonStrict(`answered ${pongs.length} of ${pings.length} pings (the last one: allowed, not every ping)`);
  }
  return failed(
    `expected ${pings.length} pong(s) echoing the ping payloads, got ${pongs.length}${pongs.length ? ` (${pongs.map((p) => show(p, false)).join(', ')})` : ''}`,
  );
}

export interface EchoExpect {
  /** Pongs expected, one per ping payload, in order. */
  pings?: Buffer[];
  /** Close code the server closes with (default 1000); the client must answer it. */
  closeCode?: number;
  /** Wait this long for the echoes (default WAIT). */
  wait?: number;
}

/**
 * The client must echo `want` exactly (and answer pings), then complete the close handshake the
 * server starts: a close frame back (its code 1000 or the server's code), then the TCP close.
 * (With the roles swapped: the server must echo, answer the fuzzing client's close, and close TCP.)
 */
export async function expectEcho(c: Conn, want: Msg[], options: EchoExpect = {}): Promise<Outcome> {
  const pings = options.pings ?? [];
  await c.waitFor(
    () => (c.messages().length >= want.length && c.pongs().length >= pings.length) || c.gone(),
    options.wait ?? WAIT,
  );
  const bad = c.badFrame();
  if (bad) return failed(`the ${c.peer} sent a malformed frame (${bad})`);
  const early = c.clientClose();
  const mismatch = compareEchoes(c.messages(), want);
  if (early && (mismatch || c.messages().length < want.length))
    return failed(`the ${c.peer} closed with ${early.code} instead of echoing: ${mismatch}`);
  if (mismatch) return failed(mismatch);
  if (!early && c.ended()) return failed(`the ${c.peer} dropped the connection (no close frame)`);
  const pong = pongProblem(c, pings);
  if (pong?.verdict === 'FAILED') return pong;
  const close = await expectCloseReply(c, options.closeCode ?? 1000);
  if (close.verdict !== 'OK') return close;
  return pong ?? ok();
}

/**
 * The server closes with `code` (or an empty close when undefined): the client must answer and close.
 * (With the roles swapped: the fuzzing client closes, the server must answer, then close TCP.)
 */
export async function expectCloseReply(
  c: Conn,
  code: number | undefined,
  reason = '',
  accept?: number[],
): Promise<Outcome> {
  const already = c.clientClose();
  if (!already) await c.sendClose(code === undefined ? new Uint8Array(0) : closePayload(code, reason));
  await c.waitFor(() => c.gone(), WAIT);
  const close = c.clientClose();
  if (c.badFrame()) return failed(`the ${c.peer} sent a malformed frame (${c.badFrame()})`);
  if (!close)
    return failed(
      c.ended()
        ? `no close: the ${c.peer} dropped TCP without answering the close frame`
        : `no close: the ${c.peer} did not answer the close frame`,
    );
  const allowed = accept ?? (code === undefined ? [1005, 1000] : [1000, code]);
  if (!allowed.includes(close.code))
    return failed(
      `wrong close code ${close.code === 1005 ? 'none (empty close)' : close.code} in the reply (expected ${allowed.map((a) => (a === 1005 ? 'empty' : a)).join(' or ')})`,
    );
  // The server closes TCP first (RFC 6455 §7.1.1); the client must then see the end.
  return (await serverClosesTcp(c)) ?? ok();
}

/**
 * With the roles swapped, after the close handshake: the server should close TCP first (RFC 6455
 * §7.1.1, a SHOULD): NON-STRICT when it has not within WAIT. Null when it did (or in the server role,
 * where the fuzzing server closes TCP itself).
 */
async function serverClosesTcp(c: Conn): Promise<Outcome | null> {
  if (c.role !== 'client') return null;
  await c.answerClose();
  if (await c.waitFor(() => c.ended(), WAIT)) return null;
  return nonStrict(`the server did not close TCP within ${WAIT} ms of the close handshake (RFC 6455 §7.1.1)`);
}

export interface FailExpect {
  /** Messages that came before the violation: echoing them is expected (missing: NON-STRICT). */
  before?: Msg[];
  /** Pongs expected before the violation. */
  pings?: Buffer[];
  /** Whether the client failed before the rest of the frame was sent (undefined: not probed). */
  fast?: boolean;
  /** Other close codes that are defensible here: NON-STRICT instead of FAILED. */
  tolerated?: number[];
  wait?: number;
}

/**
 * The client must fail the connection (RFC 6455 §7.1.7) with `code`: a close frame with that code,
 * then the TCP close, without delivering the offending message. (With the roles swapped: the server,
 * which must then close TCP too once the fuzzing client has answered its close.)
 */
export async function expectFail(c: Conn, code: number, options: FailExpect = {}): Promise<Outcome> {
  await c.waitFor(() => c.clientClose() !== undefined || c.ended() || c.badFrame() !== undefined, options.wait ?? WAIT);
  const before = options.before ?? [];
  const msgs = c.messages();
  const bad = c.badFrame();
  if (bad) return failed(`the ${c.peer} sent a malformed frame (${bad})`);
  if (msgs.length > before.length)
    return failed(
      `echoed a message it should have refused (${msgs.length - before.length} extra: ${show(msgs[before.length].data, msgs[before.length].text)})`,
    );
  const close = c.clientClose();
  if (!close && !c.ended())
    return failed(`no close: the ${c.peer} did not fail the connection (expected close code ${code})`);
  const mismatch = compareEchoes(msgs, before);
  if (mismatch && msgs.length === before.length) return failed(mismatch);
  if (close && close.code !== code) {
    const what = `wrong close code ${close.code === 1005 ? 'none (empty close)' : close.code} (expected ${code})`;
    return options.tolerated?.includes(close.code) ? nonStrict(what) : failed(what);
  }
  if (!close)
    return nonStrict(
      `failed the connection without a close frame (expected close code ${code})${options.fast === false ? ', and did not fail fast: only after the rest of the frame was sent' : ''}`,
    );
  if (options.fast === false)
    return nonStrict(`did not fail fast: closed with ${code} only after the rest of the frame was sent`);
  if (mismatch) return nonStrict(`did not echo the messages before the violation: ${mismatch}`);
  const pong = pongProblem(c, options.pings ?? []);
  if (pong) return pong.verdict === 'FAILED' ? nonStrict(`before failing: ${pong.reason}`) : pong;
  return (await serverClosesTcp(c)) ?? ok();
}

export function groupOf(id: string): number {
  return Number(id.split('.')[0]);
}

/** A case's time limit when it names none. */
export const DEFAULT_TIMEOUT = 10_000;

/**
 * Runs `spec` on `c` (just after the opening handshake) within the case's time limit, then ends the
 * connection (`Conn.finish`), and gives the result. The fuzzing server and the fuzzing client share it.
 */
export async function runOn(spec: CaseSpec, c: Conn, started = performance.now()): Promise<CaseResult> {
  const timeout = spec.timeout ?? DEFAULT_TIMEOUT;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let outcome: Outcome;
  try {
    outcome = await Promise.race([
      spec.run(c),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms`)), timeout);
      }),
    ]);
  } catch (error) {
    outcome = { verdict: 'FAILED' as const, reason: `case did not finish: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
  const ms = Math.round((performance.now() - started) * 10) / 10;
  await c.finish();
  return {
    id: spec.id,
    group: groupOf(spec.id),
    description: descriptionFor(spec, c.role),
    verdict: outcome.verdict,
    reason: outcome.reason,
    ms,
    clientCloseCode: c.clientClose()?.code ?? null,
  };
}

/** A case's description as the side in `role` runs it. */
export function descriptionFor(spec: CaseSpec, role: Role): string {
  return role === 'client' ? (spec.mirror?.description ?? spec.description) : spec.description;
}

/** Echo cases on `msgs`, each written whole. */
export async function sendAll(c: Conn, frames: Buffer[]): Promise<void> {
  for (const f of frames) await c.write(f);
}

export { ok, failed, nonStrict };
