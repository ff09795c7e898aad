// Group 5, fragmentation (RFC 6455 §5.4): control frames must not be fragmented; control frames may
// come between the fragments of a message and are handled at once; a continuation frame with nothing
// to continue and a new data message inside a fragmented one are protocol errors (1002). Each is sent
// whole, in chops, and with pauses.
import {
  binary,
  expectCloseReply,
  expectEcho,
  expectFail,
  OPCODE,
  text,
  type CaseSpec,
  type Conn,
  type Outcome,
} from '../case.ts';

type Mode = 'whole' | 'chopped' | 'paused';
const MODES: Mode[] = ['whole', 'chopped', 'paused'];
const how = (m: Mode) => (m === 'whole' ? '' : m === 'chopped' ? ', in 1-byte chops' : ', frames 20 ms apart');

/** A frame of a case, built when the case runs: as the side running it sends frames (see `Conn.frame`). */
interface FrameSpec {
  opcode: number;
  payload: string | Buffer;
  fin: boolean;
}

async function write(c: Conn, specs: FrameSpec[], mode: Mode): Promise<void> {
  const frames = specs.map((f) => c.frame(f.opcode, f.payload, { fin: f.fin }));
  if (mode === 'whole') return c.write(Buffer.concat(frames));
  if (mode === 'chopped') return c.writeChops(Buffer.concat(frames), 1);
  for (const f of frames) {
    await c.write(f);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const F = (opcode: number, payload: string | Buffer, fin = true): FrameSpec => ({ opcode, payload, fin });

function variants(
  sub: number,
  start: number,
  description: string,
  frames: FrameSpec[],
  judge: (c: Conn) => Promise<Outcome>,
): CaseSpec[] {
  return MODES.map((mode, i) => ({
    id: `5.${sub}.${start + i}`,
    description: description + how(mode),
    async run(c) {
      await write(c, frames, mode);
      return judge(c);
    },
  }));
}

export const cases: CaseSpec[] = [
  // 5.1: fragmented control frames.
  ...variants(
    1,
    1,
    'Send a ping in two fragments: fail with 1002',
    [F(OPCODE.ping, 'frag', false), F(OPCODE.cont, 'ment')],
    (c) => expectFail(c, 1002),
  ),
  ...variants(
    1,
    4,
    'Send a pong in two fragments: fail with 1002',
    [F(OPCODE.pong, 'frag', false), F(OPCODE.cont, 'ment')],
    (c) => expectFail(c, 1002),
  ),
  // 5.2: fragmented messages, and control frames between fragments.
  ...variants(
    2,
    1,
    'Send a text message in two fragments',
    [F(OPCODE.text, 'frag', false), F(OPCODE.cont, 'ment')],
    (c) => expectEcho(c, [text('fragment')]),
  ),
  ...variants(
    2,
    4,
    'Send a binary message in three fragments, the middle one empty',
    [
      F(OPCODE.binary, Buffer.from([1, 2]), false),
      F(OPCODE.cont, Buffer.alloc(0), false),
      F(OPCODE.cont, Buffer.from([3])),
    ],
    (c) => expectEcho(c, [binary(Buffer.from([1, 2, 3]))]),
  ),
  ...variants(
    2,
    7,
    'Send a text message in two fragments with a ping between them',
    [F(OPCODE.text, 'frag', false), F(OPCODE.ping, 'ping between'), F(OPCODE.cont, 'ment')],
    (c) => expectEcho(c, [text('fragment')], { pings: [Buffer.from('ping between')] }),
  ),
  ...variants(
    2,
    10,
    'Send a text message in two fragments with an unsolicited pong between them',
    [F(OPCODE.text, 'frag', false), F(OPCODE.pong, 'pong between'), F(OPCODE.cont, 'ment')],
    (c) => expectEcho(c, [text('fragment')]),
  ),
  ...variants(
    2,
    13,
    'Send a text message in five fragments with a ping and a pong between each',
    [
      F(OPCODE.text, 'f1-', false),
      F(OPCODE.ping, 'p1'),
      F(OPCODE.pong, 'u1'),
      F(OPCODE.cont, 'f2-', false),
      F(OPCODE.ping, 'p2'),
      F(OPCODE.cont, 'f3-', false),
      F(OPCODE.pong, 'u2'),
      F(OPCODE.ping, 'p3'),
      F(OPCODE.cont, 'f4-', false),
      F(OPCODE.ping, 'p4'),
      F(OPCODE.cont, 'f5'),
    ],
    (c) => expectEcho(c, [text('f1-f2-f3-f4-f5')], { pings: ['p1', 'p2', 'p3', 'p4'].map((p) => Buffer.from(p)) }),
  ),
  // 5.3: continuation with nothing to continue.
  ...variants(
    3,
    1,
    'Send a continuation frame (FIN) with nothing to continue: fail with 1002',
    [F(OPCODE.cont, 'non-continuation payload')],
    (c) => expectFail(c, 1002),
  ),
  ...variants(
    3,
    4,
    'Send a continuation frame (no FIN) with nothing to continue: fail with 1002',
    [F(OPCODE.cont, 'non-continuation payload', false)],
    (c) => expectFail(c, 1002),
  ),
  ...variants(
    3,
    7,
    'Send a fragmented text message, then a continuation frame after it ended: echo the message, fail with 1002',
    [F(OPCODE.text, 'frag', false), F(OPCODE.cont, 'ment'), F(OPCODE.cont, 'more')],
    (c) => expectFail(c, 1002, { before: [text('fragment')] }),
  ),
  ...variants(
    3,
    10,
    'Send a text message, then a continuation, then a fragmented text message: echo the first, fail with 1002',
    [F(OPCODE.text, 'whole'), F(OPCODE.cont, 'stray', false), F(OPCODE.text, 'frag', false), F(OPCODE.cont, 'ment')],
    (c) => expectFail(c, 1002, { before: [text('whole')] }),
  ),
  // 5.4: a new message inside a fragmented one.
  ...variants(
    4,
    1,
    'Send text (no FIN), then text (no FIN): fail with 1002',
    [F(OPCODE.text, 'one', false), F(OPCODE.text, 'two', false), F(OPCODE.cont, 'end')],
    (c) => expectFail(c, 1002),
  ),
  ...variants(
    4,
    4,
    'Send text (no FIN), then text (FIN): fail with 1002',
    [F(OPCODE.text, 'one', false), F(OPCODE.text, 'two')],
    (c) => expectFail(c, 1002),
  ),
  ...variants(
    4,
    7,
    'Send binary (no FIN), then text (FIN): fail with 1002',
    [F(OPCODE.binary, Buffer.from([1]), false), F(OPCODE.text, 'two')],
    (c) => expectFail(c, 1002),
  ),
  ...variants(
    4,
    10,
    'Send text (no FIN), a ping, then binary (no FIN): pong, fail with 1002',
    [F(OPCODE.text, 'one', false), F(OPCODE.ping, 'p'), F(OPCODE.binary, Buffer.from([2]), false), F(OPCODE.cont, 'x')],
    (c) => expectFail(c, 1002, { pings: [Buffer.from('p')] }),
  ),
  // 5.5: a close between fragments ends the connection; the unfinished message is not delivered.
  {
    id: '5.5.1',
    description: 'Send text (no FIN), then a close 1000: answer the close, do not deliver the fragment',
    async run(c) {
      await c.send(OPCODE.text, 'unfinished', { fin: false });
      await c.sendClose(Buffer.from([0x03, 0xe8]));
      const close = await expectCloseReply(c, 1000);
      if (close.verdict !== 'OK') return close;
      if (c.messages().length > 0) return { verdict: 'FAILED', reason: 'delivered an unfinished message' };
      return close;
    },
  },
];
