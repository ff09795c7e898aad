// Group 7, the close handshake (RFC 6455 §5.5.1, §7): the client answers a close frame with one of its
// own (echoing the code, or 1000; an empty close may be answered empty) and sends nothing after it —
// no echo of data, no pong; a second close is ignored. Close payloads: empty, a code, a code with a
// reason up to 123 bytes (124 makes the frame too long: 1002), 1 byte (1002), an invalid UTF-8 reason
// (1007). Codes: the valid ones are answered; those a peer must not send (0–999, 1004–1006, 1015,
// 1016–2999) fail with 1002; 5000 and above are not defined by the RFC (INFORMATIONAL unless 1002).
import {
  closePayload,
  expectCloseReply,
  expectEcho,
  expectFail,
  ok,
  OPCODE,
  text,
  type CaseSpec,
  type Conn,
  type Outcome,
} from '../case.ts';

/** After the close handshake: the client must not have sent anything more than `msgs` echoes and `pongs` pongs. */
function nothingAfterClose(c: Conn, outcome: Outcome, msgs: number, pongs = 0): Outcome {
  if (outcome.verdict !== 'OK') return outcome;
  if (c.messages().length > msgs)
    return { verdict: 'FAILED', reason: `sent a message after the close frame (${c.messages().length - msgs} extra)` };
  if (c.pongs().length > pongs) return { verdict: 'FAILED', reason: 'answered a ping that came after the close frame' };
  return outcome;
}

const CLOSE_1000 = closePayload(1000);

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
/** Codes IANA registered after RFC 6455 (service restart, try again later, bad gateway). */
const REGISTERED_LATER = [1012, 1013, 1014];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999];
const UNDEFINED_CODES = [5000, 65535];

export const cases: CaseSpec[] = [
  {
    id: '7.1.1',
    description: 'Send a text message, then a close: echo, then answer the close',
    async run(c) {
      await c.send(OPCODE.text, 'Hello World!');
      return expectEcho(c, [text('Hello World!')]);
    },
  },
  {
    id: '7.1.2',
    description: 'Send two close frames: answer the first, ignore the second',
    async run(c) {
      await c.write(Buffer.concat([c.frame(OPCODE.close, CLOSE_1000), c.frame(OPCODE.close, CLOSE_1000)]));
      c.closeSent = true;
      return expectCloseReply(c, 1000);
    },
  },
  {
    id: '7.1.3',
    description: 'Send a close, then a ping: no pong after the close',
    async run(c) {
      await c.write(Buffer.concat([c.frame(OPCODE.close, CLOSE_1000), c.frame(OPCODE.ping, 'after close')]));
      c.closeSent = true;
      const outcome = await expectCloseReply(c, 1000);
      await c.waitFor(() => c.ended(), 300);
      return nothingAfterClose(c, outcome, 0);
    },
  },
  {
    id: '7.1.4',
    description: 'Send a close, then a text message: not echoed',
    async run(c) {
      await c.write(Buffer.concat([c.frame(OPCODE.close, CLOSE_1000), c.frame(OPCODE.text, 'after close')]));
      c.closeSent = true;
      const outcome = await expectCloseReply(c, 1000);
      await c.waitFor(() => c.ended(), 300);
      return nothingAfterClose(c, outcome, 0);
    },
  },
  {
    id: '7.1.5',
    description: 'Send text (no FIN), a close, then the continuation: nothing echoed',
    async run(c) {
      await c.write(
        Buffer.concat([
          c.frame(OPCODE.text, 'frag', { fin: false }),
          c.frame(OPCODE.close, CLOSE_1000),
          c.frame(OPCODE.cont, 'ment'),
        ]),
      );
      c.closeSent = true;
      const outcome = await expectCloseReply(c, 1000);
      await c.waitFor(() => c.ended(), 300);
      return nothingAfterClose(c, outcome, 0);
    },
  },
  {
    id: '7.1.6',
    description:
      'Send a 256 KiB text message, a close and a ping at once: whether the echo goes out before the close reply is INFORMATIONAL',
    async run(c) {
      const big = Buffer.alloc(256 * 1024, 0x42);
      await c.write(
        Buffer.concat([
          c.frame(OPCODE.text, big),
          c.frame(OPCODE.close, CLOSE_1000),
          c.frame(OPCODE.ping, 'after close'),
        ]),
      );
      c.closeSent = true;
      const outcome = await expectCloseReply(c, 1000);
      if (outcome.verdict !== 'OK') return outcome;
      if (c.pongs().length > 0) return { verdict: 'FAILED', reason: 'answered a ping that came after the close frame' };
      const echoed = c.messages().length;
      return {
        verdict: 'INFORMATIONAL',
        reason: echoed ? 'echoed the message before the close reply' : 'closed without echoing the message',
      };
    },
  },
  {
    id: '7.1.7',
    description: 'Send a close, then garbage bytes (data after close): the garbage is ignored',
    async run(c) {
      await c.write(Buffer.concat([c.frame(OPCODE.close, CLOSE_1000), Buffer.from([0xff, 0xff, 0x00, 0x13, 0x37])]));
      c.closeSent = true;
      const outcome = await expectCloseReply(c, 1000);
      return nothingAfterClose(c, outcome, 0);
    },
  },
  {
    id: '7.2.1',
    description: 'Send a close without payload: answered with a close (empty or 1000)',
    async run(c) {
      return expectCloseReply(c, undefined);
    },
  },
  {
    id: '7.2.2',
    description: 'Send a close with a 1-byte payload: fail with 1002',
    async run(c) {
      await c.send(OPCODE.close, Buffer.from([0x03]));
      c.closeSent = true;
      return expectFail(c, 1002);
    },
  },
  {
    id: '7.2.3',
    description: 'Send a close with code 1000 and no reason',
    async run(c) {
      return expectCloseReply(c, 1000);
    },
  },
  {
    id: '7.2.4',
    description: 'Send a close with code 1000 and a reason',
    async run(c) {
      return expectCloseReply(c, 1000, 'Hello World!');
    },
  },
  {
    id: '7.2.5',
    description: 'Send a close with code 1000 and a 123-byte reason (the largest)',
    async run(c) {
      return expectCloseReply(c, 1000, '*'.repeat(123));
    },
  },
  {
    id: '7.2.6',
    description: 'Send a close with code 1000 and a 124-byte reason (a 126-byte control frame): fail with 1002',
    async run(c) {
      await c.send(OPCODE.close, closePayload(1000, '*'.repeat(124)));
      c.closeSent = true;
      return expectFail(c, 1002);
    },
  },
  {
    id: '7.2.7',
    description: 'Send a close with code 1000 and a reason in multi-byte UTF-8',
    async run(c) {
      return expectCloseReply(c, 1000, 'κόσμε 𝄞 ok');
    },
  },
  {
    id: '7.2.8',
    description: 'Send a close with code 1000 and a reason that is invalid UTF-8: fail with 1007',
    async run(c) {
      await c.send(OPCODE.close, closePayload(1000, Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex')));
      c.closeSent = true;
      return expectFail(c, 1007);
    },
  },
  {
    id: '7.2.9',
    description: 'Send a close (code 1000, a reason) in 1-byte chops',
    async run(c) {
      c.closeSent = true;
      await c.writeChops(c.frame(OPCODE.close, closePayload(1000, 'chopped')), 1);
      return expectCloseReply(c, 1000);
    },
  },
  ...VALID_CODES.map(
    (code, i): CaseSpec => ({
      id: `7.3.${i + 1}`,
      description: `Send a close with the valid code ${code}: answered (with ${code} or 1000)${REGISTERED_LATER.includes(code) ? '; 1002 is INFORMATIONAL (registered after RFC 6455)' : ''}`,
      async run(c) {
        const outcome = await expectCloseReply(c, code);
        if (outcome.verdict === 'FAILED' && REGISTERED_LATER.includes(code) && c.clientClose()?.code === 1002) {
          return {
            verdict: 'INFORMATIONAL',
            reason: `refused ${code} with 1002: it is in the IANA registry, not in RFC 6455`,
          };
        }
        return outcome;
      },
    }),
  ),
  ...INVALID_CODES.map(
    (code, i): CaseSpec => ({
      id: `7.4.${i + 1}`,
      description: `Send a close with the code ${code}, which a peer must not send: fail with 1002`,
      async run(c) {
        await c.send(OPCODE.close, closePayload(code));
        c.closeSent = true;
        return expectFail(c, 1002);
      },
    }),
  ),
  ...UNDEFINED_CODES.map(
    (code, i): CaseSpec => ({
      id: `7.5.${i + 1}`,
      description: `Send a close with the code ${code}, beyond the RFC's ranges: 1002 is OK, anything else INFORMATIONAL`,
      async run(c) {
        await c.send(OPCODE.close, closePayload(code));
        c.closeSent = true;
        const outcome = await expectFail(c, 1002);
        if (outcome.verdict === 'OK') return ok();
        const close = c.clientClose();
        return {
          verdict: 'INFORMATIONAL',
          reason: close
            ? `answered with ${close.code}`
            : c.ended()
              ? 'dropped TCP without a close frame'
              : 'did not answer',
        };
      },
    }),
  ),
];
