// The server fuzzer's hostile client: one connection per seed, its every choice drawn from that seed —
// the upgrade request (valid, malformed, never finished), the messages (sizes, fragments, pings between
// fragments), at most one protocol violation among them, how the bytes are cut and paced, whether it
// stops reading, and how it ends (a close, an abrupt reset, or nothing); apart, whether it offers
// permessage-deflate and whether it goes to /chaos, whose callbacks act up. It judges what our server
// must do whatever comes: a 101 with the right accept or a 4xx answer; frames that are unmasked, with RSV1
// only on a compressed message's first frame, a known opcode and whole control frames of at most 125
// bytes; every message echoed intact and in order up to the violation (not under chaos), and each ping
// answered with its payload; the violation answered with its close code (1002, 1007, 1009); and the
// socket closed by the server within its timeouts.
import { isUtf8 } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { Inflate } from 'pako';
import { Rng } from '../support/rng.ts';
import { type ClientFrame, FrameReader } from '../hostile/frame-reader.ts';
import { upgradeRequest } from './raw-client.ts';
import { LIMITS } from './test-server.ts';

/** What the server answers a valid request with (the key is upgradeRequest's). */
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const encoder = new TextEncoder();
/** The most a connection's messages add up to, with room to spare below the server's maxBufferedAmount. */
const ECHO_BUDGET = LIMITS.maxBufferedAmount - 64 * 1024;

type Violation =
  | 'unmasked'
  | 'rsv1'
  | 'reserved opcode'
  | 'long ping'
  | 'fragmented ping'
  | 'stray continuation'
  | 'message inside a message'
  | 'invalid UTF-8'
  | 'message too big'
  | 'invalid close code'
  | 'close reason not UTF-8'
  // With permessage-deflate agreed:
  | 'compression bomb'
  | 'RSV1 on a continuation'
  | 'RSV1 on a ping'
  | 'invalid DEFLATE data';

const EXPECTED: Record<Violation, number> = {
  unmasked: 1002,
  rsv1: 1002,
  'reserved opcode': 1002,
  'long ping': 1002,
  'fragmented ping': 1002,
  'stray continuation': 1002,
  'message inside a message': 1002,
  'invalid UTF-8': 1007,
  'message too big': 1009,
  'invalid close code': 1002,
  'close reason not UTF-8': 1007,
  'compression bomb': 1009,
  'RSV1 on a continuation': 1002,
  'RSV1 on a ping': 1002,
  'invalid DEFLATE data': 1007,
};
const DEFLATE_VIOLATIONS: Violation[] = [
  'compression bomb',
  'RSV1 on a continuation',
  'RSV1 on a ping',
  'invalid DEFLATE data',
];
const PLAIN_VIOLATIONS = (Object.keys(EXPECTED) as Violation[]).filter((v) => !DEFLATE_VIOLATIONS.includes(v));
/** What RFC 7692 drops from the end of each compressed message. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A message compressed as permessage-deflate sends it (each on its own: valid under context takeover too). */
function deflated(payload: Uint8Array): Buffer {
  const out = zlib.deflateRawSync(payload, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

export interface FuzzOutcome {
  seed: number;
  /** What the connection did, for a failure's message. */
  plan: string;
  /** Every broken rule, empty when the server did all it must. */
  problems: string[];
}

/** A masked client frame (unmasked when `mask` is false), with the length encoded as announced. */
function frame(rng: Rng, b0: number, payload: Uint8Array, mask = true, announced = payload.length): Buffer {
  const n = announced;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + (mask ? 4 : 0) + payload.length);
  out[0] = b0;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  if (!mask) {
    out.set(payload, head);
    return out;
  }
  out[1] |= 0x80;
  const key = rng.bytes(4);
  out.set(key, head);
  for (let i = 0; i < payload.length; i++) out[head + 4 + i] = payload[i] ^ key[i & 3];
  return out;
}

/** ASCII with 2-, 3- and 4-byte sequences, each with its length in UTF-8. */
const PIECES = ['a', 'Z', ' ', 'é', 'Ω', '€', '語', '😀'].map((piece) => ({
  piece,
  size: encoder.encode(piece).length,
}));

/** Valid UTF-8 text of at most `n` bytes (n - 3 at least). */
function text(rng: Rng, n: number): Uint8Array {
  let s = '';
  let bytes = 0;
  for (;;) {
    const { piece, size } = rng.pick(PIECES);
    if (bytes + size > n) break;
    s += piece;
    bytes += size;
  }
  return encoder.encode(s);
}

function size(rng: Rng): number {
  return rng.weighted([
    [6, rng.range(0, 125)],
    [3, rng.range(126, 65535)],
    [1, rng.range(65536, 300_000)],
  ]);
}

interface Message {
  opcode: 1 | 2;
  payload: Uint8Array;
}

/** The bytes to send, what must come back, and what the server must say about them. */
interface Script {
  request: Buffer;
  /** 'valid': a 101 must come; 'refused': a 4xx; 'unfinished': a 408 or a close, once handshakeTimeout has passed. */
  handshake: 'valid' | 'refused' | 'unfinished';
  /** permessage-deflate offered: the server must agree, and may compress its echoes. */
  deflate: boolean;
  /** The server's callbacks do as they please: no echo is promised, and it may close first (1000, 4xxx). */
  chaos: boolean;
  bytes: Buffer;
  messages: Message[];
  pings: Buffer[];
  violation: Violation | null;
  /** How the client ends: its close frame (1000), a reset, or nothing (the server's timeouts end it). */
  ending: 'close' | 'reset' | 'nothing';
  stopsReading: boolean;
  plan: string[];
}

/**
 * `rng` draws the script; `drng` only what permessage-deflate adds and `crng` whether the server's
 * callbacks act up, so that a seed's other choices stay as they were when those came.
 */
function script(rng: Rng, drng: Rng, crng: Rng): Script {
  const plan: string[] = [];
  const handshake = rng.weighted([
    [85, 'valid'],
    [10, 'refused'],
    [5, 'unfinished'],
  ] as const);
  let request = Buffer.from(upgradeRequest('/echo'));
  if (handshake === 'refused') {
    const how = rng.pick(['no key', 'version 8', 'not GET', 'no upgrade', 'header too long'] as const);
    plan.push(`refused: ${how}`);
    if (how === 'no key') request = Buffer.from(upgradeRequest('/echo', { 'Sec-WebSocket-Key': null }));
    else if (how === 'version 8') request = Buffer.from(upgradeRequest('/echo', { 'Sec-WebSocket-Version': '8' }));
    else if (how === 'not GET') request = Buffer.from(upgradeRequest('/echo').replace('GET', 'POST'));
    else if (how === 'no upgrade') request = Buffer.from(upgradeRequest('/echo', { Upgrade: null }));
    else request = Buffer.from(upgradeRequest('/echo', { 'X-Padding': 'x'.repeat(20_000) }));
  } else if (handshake === 'unfinished') {
    request = request.subarray(0, rng.range(0, request.length - 3));
    plan.push(`unfinished request (${request.length} bytes)`);
  }
  const deflate = handshake === 'valid' && drng.chance(0.3);
  // /chaos: the server's onMessage echoes twice, sends big, pings, closes, terminates… (test-server.ts).
  const chaos = handshake === 'valid' && crng.chance(0.2);
  if (deflate || chaos) {
    const extensions = deflate ? 'permessage-deflate; client_max_window_bits' : null;
    request = Buffer.from(upgradeRequest(chaos ? '/chaos' : '/echo', { 'Sec-WebSocket-Extensions': extensions }));
    if (deflate) plan.push('deflate');
    if (chaos) plan.push('chaos');
  }
  const messages: Message[] = [];
  const pings: Buffer[] = [];
  const parts: Buffer[] = [];
  let violation: Violation | null = null;
  let total = 0; // the messages' bytes so far
  if (handshake === 'valid') {
    const count = rng.range(0, 8);
    const violateAt = rng.chance(0.45) ? rng.range(0, count) : -1;
    for (let i = 0; i <= count; i++) {
      if (i === violateAt) {
        violation = rng.pick(PLAIN_VIOLATIONS);
        // With permessage-deflate agreed RSV1 on a data frame is no violation (it marks compression).
        if (deflate && (drng.chance(0.4) || violation === 'rsv1')) violation = drng.pick(DEFLATE_VIOLATIONS);
        parts.push(violating(rng, violation));
        plan.push(`violation: ${violation}`);
        break;
      }
      if (i === count) break;
      const opcode = rng.chance(0.5) ? 1 : 2;
      // All of a connection's echoes fit within maxBufferedAmount: a server's transport may hold them all
      // at once (Deno's node:tls queues writes until its TLS layer takes them), and past it the server
      // drops the connection, as its own test checks.
      const n = Math.max(0, Math.min(size(rng), ECHO_BUDGET - total));
      const payload = opcode === 1 ? text(rng, n) : rng.bytes(n);
      messages.push({ opcode, payload });
      total += payload.length;
      const compressed = deflate && drng.chance(0.6);
      const body = compressed ? deflated(payload) : payload;
      // Fragments, with a ping between two of them now and then.
      const cuts = body.length > 1 && rng.chance(0.3) ? rng.range(1, 4) : 0;
      const at = [0, ...Array.from({ length: cuts }, () => rng.range(1, body.length - 1)).sort((a, b) => a - b)];
      at.push(body.length);
      for (let k = 0; k + 1 < at.length; k++) {
        const last = k + 2 === at.length;
        const first = k === 0 ? opcode | (compressed ? 0x40 : 0) : 0;
        parts.push(frame(rng, (last ? 0x80 : 0) | first, body.subarray(at[k], at[k + 1])));
        if (!last && rng.chance(0.3)) {
          const ping = Buffer.from(rng.bytes(rng.range(0, 125)));
          pings.push(ping);
          parts.push(frame(rng, 0x89, ping));
        }
      }
      plan.push(
        `${opcode === 1 ? 'text' : 'binary'} ${payload.length} B${compressed ? ' compressed' : ''} in ${at.length - 1}`,
      );
    }
  }
  const ending = violation
    ? 'nothing'
    : rng.weighted([
        [6, 'close'],
        [2, 'reset'],
        [2, 'nothing'],
      ] as const);
  if (ending === 'close' && handshake === 'valid') parts.push(frame(rng, 0x88, Buffer.from([0x03, 0xe8])));
  // Only where the echoes fit well within maxBufferedAmount: past it the server drops a reader that stalls.
  const stopsReading = total < 256 * 1024 && rng.chance(0.1);
  plan.push(`ends: ${ending}${stopsReading ? ', stops reading' : ''}`);
  return {
    request,
    handshake,
    deflate,
    chaos,
    bytes: Buffer.concat(parts),
    messages,
    pings,
    violation,
    ending,
    stopsReading,
    plan,
  };
}

function violating(rng: Rng, v: Violation): Buffer {
  const small = Buffer.from(rng.bytes(rng.range(1, 20)));
  switch (v) {
    case 'unmasked':
      return frame(rng, 0x82, small, false);
    case 'rsv1':
      return frame(rng, 0x80 | 0x40 | 0x2, small);
    case 'reserved opcode':
      return frame(rng, 0x80 | rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), small);
    case 'long ping':
      return frame(rng, 0x89, Buffer.from(rng.bytes(rng.range(126, 300))));
    case 'fragmented ping':
      return frame(rng, 0x09, small);
    case 'stray continuation':
      return frame(rng, 0x80, small);
    case 'message inside a message':
      return Buffer.concat([frame(rng, 0x01, encoder.encode('half')), frame(rng, 0x82, small)]);
    case 'invalid UTF-8': {
      const bad = Buffer.concat([
        Buffer.from(text(rng, rng.range(0, 50))),
        Buffer.from([rng.pick([0xc0, 0xff, 0xed])]),
        Buffer.from([0xa0, 0x80]),
      ]);
      return frame(rng, 0x81, bad);
    }
    case 'message too big':
      // Announced past maxMessage; a little of it sent.
      return frame(rng, 0x82, small, true, LIMITS.maxMessage + rng.range(1, 1 << 20));
    case 'invalid close code':
      return frame(
        rng,
        0x88,
        Buffer.from([...[rng.pick([0, 999, 1004, 1005, 1006, 1015, 2000, 5000])].flatMap((c) => [c >> 8, c & 255])]),
      );
    case 'close reason not UTF-8':
      return frame(rng, 0x88, Buffer.from([0x03, 0xe8, 0xff, 0xfe]));
    case 'compression bomb':
      // Zeros: a kilobyte or so that inflates past maxMessage.
      return frame(rng, 0x80 | 0x40 | 0x2, deflated(new Uint8Array(LIMITS.maxMessage + rng.range(1, 1 << 16))));
    case 'RSV1 on a continuation':
      return Buffer.concat([frame(rng, 0x40 | 0x2, deflated(small)), frame(rng, 0x80 | 0x40, small)]);
    case 'RSV1 on a ping':
      return frame(rng, 0x80 | 0x40 | 0x9, small);
    case 'invalid DEFLATE data':
      // A final block of the reserved type 11.
      return frame(rng, 0x80 | 0x40 | 0x2, Buffer.concat([Buffer.from([0x07]), small]));
  }
}

/** Sends `bytes` in random pieces, pausing between some. */
async function trickle(rng: Rng, socket: net.Socket, bytes: Buffer): Promise<void> {
  let at = 0;
  const whole = rng.chance(0.3);
  while (at < bytes.length && !socket.destroyed) {
    const n = whole
      ? bytes.length
      : rng.weighted([
          [5, rng.range(1, 16)],
          [4, rng.range(17, 4096)],
          [1, rng.range(4097, 200_000)],
        ]);
    socket.write(bytes.subarray(at, at + n));
    at += n;
    if (rng.chance(0.15)) await new Promise((resolve) => setTimeout(resolve, rng.range(1, 30)));
  }
}

/** The server's close code in a close frame's payload (1005 when it has none). */
const closeCode = (f: ClientFrame) => (f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005);

/** Where the server listens: plain, and TLS with the CA that signed its certificate. */
export interface FuzzTarget {
  port: number;
  tlsPort: number;
  ca: string;
}

/** Runs one connection to `target` (over TLS one time in four) from `seed` and judges the server's part in it. */
export async function fuzzConnection(target: FuzzTarget, seed: number): Promise<FuzzOutcome> {
  const rng = new Rng(seed);
  const secure = rng.chance(0.25);
  const s = script(rng, new Rng(seed ^ 0x7692), new Rng(seed ^ 0xc4a05));
  if (secure) s.plan.unshift('TLS');
  const problems: string[] = [];
  const socket = secure
    ? tls.connect({ host: '127.0.0.1', port: target.tlsPort, ca: target.ca, servername: 'localhost' })
    : net.connect({ host: '127.0.0.1', port: target.port });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let head = Buffer.alloc(0);
  let status = 0;
  let headers = '';
  const reader = new FrameReader();
  const frames: ClientFrame[] = [];
  socket.on('data', (chunk: Buffer) => {
    if (status === 101) {
      frames.push(...reader.push(chunk));
      return;
    }
    if (status !== 0) return; // a refusal's body
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headers = head.subarray(0, end).toString('latin1');
    status = Number(headers.split(' ')[1]);
    if (status === 101) frames.push(...reader.push(head.subarray(end + 4)));
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => {
    socket.once(secure ? 'secureConnect' : 'connect', () => resolve());
    socket.once('close', () => resolve());
  });
  if (s.stopsReading) socket.pause();
  socket.write(s.request);
  if (s.handshake === 'valid') {
    // Frames may follow the request at once: the server reads them after its 101.
    await trickle(rng, socket, s.bytes);
  }
  if (s.ending === 'reset') {
    await new Promise((resolve) => setTimeout(resolve, rng.range(0, 50)));
    // A TCP reset (a TLS socket just goes: its handle is the TLS layer's).
    if (secure) socket.destroy();
    else socket.resetAndDestroy();
    await closed;
    return { seed, plan: s.plan.join('; '), problems };
  }
  if (s.stopsReading) {
    await new Promise((resolve) => setTimeout(resolve, rng.range(50, 400)));
    socket.resume();
  }
  if (s.handshake === 'valid' && s.ending === 'nothing' && !s.violation) {
    // A connection left open is not the server's to close: after a while the client closes it.
    await new Promise((resolve) => setTimeout(resolve, rng.range(0, 200)));
    socket.write(frame(rng, 0x88, Buffer.from([0x03, 0xe8])));
  }
  // What ends it: the server's close (after a violation, or answering ours) or its timeouts.
  const limit = (s.handshake === 'valid' ? LIMITS.closeTimeout : LIMITS.handshakeTimeout) + 6000;
  const ended = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), limit)),
  ]);
  if (!ended) {
    problems.push(`the server had not closed the socket after ${limit} ms`);
    socket.destroy();
  }

  // The answer to the request.
  // Under chaos a message whose first byte is 4 modulo 8 makes the server terminate the connection: with
  // the client's bytes unread, its socket closes with a reset, which can discard even the 101 unread.
  const mayTerminate = s.chaos && s.messages.some((m) => m.payload.length > 0 && m.payload[0] % 8 === 4);
  if (s.handshake === 'valid') {
    if (status === 0 && mayTerminate) return { seed, plan: s.plan.join('; '), problems };
    if (status !== 101) problems.push(`a valid request got ${status || 'no answer'}: ${headers.split('\r\n')[0]}`);
    // The header's name in any case; its value (base64) exactly.
    else if (/^sec-websocket-accept:[ \t]*(\S*)/im.exec(headers)?.[1] !== ACCEPT)
      problems.push(`the 101 lacks the right Sec-WebSocket-Accept: ${headers}`);
  } else if (s.handshake === 'refused') {
    if (status < 400 || status > 499) problems.push(`a malformed request got ${status || 'no answer'}, not a 4xx`);
  } else if (status !== 0 && status !== 408) problems.push(`an unfinished request got ${status}`);
  if (status !== 101) return { seed, plan: s.plan.join('; '), problems };
  const agreed = /sec-websocket-extensions:[^\r\n]*permessage-deflate/i.test(headers);
  if (agreed !== s.deflate)
    problems.push(
      `permessage-deflate ${s.deflate ? 'offered' : 'not offered'}, the 101 says ${agreed ? '' : 'not '}agreed`,
    );
  const inflater = agreed ? new MessageInflater() : null;

  // The frames: well formed, then the echoes, pongs and close as the script says.
  const echoed: Uint8Array[] = [];
  let partial: Buffer[] | null = null;
  let partialOpcode = 0;
  let partialCompressed = false;
  const pongs: Buffer[] = [];
  let close: ClientFrame | null = null;
  for (const f of frames) {
    if (close) {
      problems.push(`a frame (opcode ${f.opcode}) after the server's close`);
      break;
    }
    if (f.masked) problems.push('a masked server frame');
    // RSV1 marks a compressed message on its first frame, once permessage-deflate is agreed; nothing else.
    const compressedStart = f.rsv === 0x40 && agreed && (f.opcode === 1 || f.opcode === 2);
    if (f.rsv && !compressedStart) problems.push(`RSV bits ${f.rsv.toString(16)} on opcode ${f.opcode}`);
    if (f.opcode >= 8) {
      if (!f.fin || f.payload.length > 125) problems.push(`a control frame fragmented or over 125 bytes (${f.opcode})`);
      if (f.opcode === 8) close = f;
      else if (f.opcode === 0xa) pongs.push(f.payload);
      else if (f.opcode !== 9) problems.push(`a reserved control opcode ${f.opcode}`);
      continue;
    }
    if (f.opcode !== 0 && f.opcode !== 1 && f.opcode !== 2) {
      problems.push(`a reserved data opcode ${f.opcode}`);
      continue;
    }
    if ((f.opcode === 0) !== (partial !== null)) problems.push('a continuation out of place');
    if (partial === null) {
      partial = [];
      partialOpcode = f.opcode;
      partialCompressed = compressedStart;
    }
    partial.push(f.payload);
    if (f.fin) {
      let m: Buffer = Buffer.concat(partial);
      if (partialCompressed) {
        const inflated = inflater!.inflate(m);
        if (inflated === null) {
          problems.push('an echo compressed with invalid DEFLATE data');
          break;
        }
        m = inflated;
      }
      if (partialOpcode === 1 && !isUtf8(m)) problems.push('an echoed text message that is not UTF-8');
      echoed.push(m);
      partial = null;
    }
  }
  // Every message before the violation is echoed before the close, in order and intact (a "message
  // inside a message" leaves its first half unanswered). Under chaos nothing is promised.
  const sent = s.chaos ? [] : s.messages;
  if (!s.chaos && echoed.length > sent.length) problems.push(`${echoed.length} echoes for ${sent.length} messages`);
  for (let i = 0; i < Math.min(echoed.length, sent.length); i++)
    if (Buffer.compare(Buffer.from(echoed[i]), Buffer.from(sent[i].payload)) !== 0) {
      problems.push(`echo ${i} differs from message ${i} (${echoed[i].length} B against ${sent[i].payload.length})`);
      break;
    }
  if (ended && echoed.length < sent.length)
    problems.push(`${sent.length - echoed.length} of ${sent.length} messages not echoed before the close`);
  // Pongs answer pings in order, each with its ping's payload (under backpressure the server may keep
  // only the newest of several: a subsequence).
  let next = 0;
  for (const pong of pongs) {
    while (next < s.pings.length && Buffer.compare(pong, s.pings[next]) !== 0) next++;
    if (next === s.pings.length) {
      const sizes = (xs: Buffer[]) => xs.map((x) => x.length).join(',');
      problems.push(
        `a pong (${pong.length} B) that answers no ping, or out of order: pings ${sizes(s.pings)}, pongs ${sizes(pongs)}`,
      );
      break;
    }
    next++;
  }
  if (s.chaos) {
    // The server's callback may close first (1000, 4000-4999) or terminate (no close frame at all).
    const code = close ? closeCode(close) : null;
    const allowed = (c: number) =>
      c === 1000 || (c >= 4000 && c <= 4999) || (s.violation && c === EXPECTED[s.violation]);
    if (code !== null && !allowed(code))
      problems.push(`closed with ${code} under chaos${s.violation ? ` (violation "${s.violation}")` : ''}`);
  } else if (s.violation) {
    const want = EXPECTED[s.violation];
    if (!close) problems.push(`no close frame after "${s.violation}" (want ${want})`);
    else if (closeCode(close) !== want) problems.push(`"${s.violation}" closed with ${closeCode(close)}, not ${want}`);
  } else if (ended && !close) problems.push('the connection ended with no close frame from the server');
  else if (close && closeCode(close) !== 1000) problems.push(`a clean connection closed with ${closeCode(close)}`);
  return { seed, plan: s.plan.join('; '), problems };
}

/** The server's compressed messages, inflated in one raw stream (context takeover), with pako. */
class MessageInflater {
  private readonly inflater = new Inflate({ raw: true, windowBits: 15 });
  private parts: Uint8Array[] = [];
  constructor() {
    this.inflater.onData = (chunk: Uint8Array) => this.parts.push(chunk);
  }
  /** The message, or null when its data is not valid DEFLATE. */
  inflate(compressed: Uint8Array): Buffer | null {
    this.parts = [];
    if (!this.inflater.push(compressed, 2) || !this.inflater.push(TAIL, 2)) return null; // Z_SYNC_FLUSH
    return Buffer.concat(this.parts);
  }
}
