// Group 6, UTF-8 (RFC 6455 §5.6, §8.1; RFC 3629): text messages must be valid UTF-8, else the
// connection fails with 1007. Valid sequences (every length, the boundaries, noncharacters) are echoed
// whole, one byte per frame and in 1-byte chops, and split across two frames at every byte. Invalid
// sequences (overlong forms, surrogates, code points past U+10FFFF, lone and missing continuation
// bytes, bytes that never occur) are sent whole, and — with valid text around them — in a frame cut
// after the invalid byte, one byte per frame, and in 1-byte chops: those three are fail-fast probes.
// The client must fail within the chop (or frame) carrying the invalid byte, before the rest is sent:
// failing only at the end of the frame or message is NON-STRICT ("did not fail fast").
import { expectEcho, expectFail, OPCODE, text, type CaseSpec, type Conn } from '../case.ts';

/**
 * The index of the first byte that makes `b` invalid UTF-8 (RFC 3629 §4), `b.length` when it ends
 * inside a sequence, -1 when valid. Written from the RFC's table, independent of the codec under test.
 */
export function firstInvalid(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c === 0xe0) {
      need = 2;
      lo = 0xa0;
    } else if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) need = 2;
    else if (c === 0xed) {
      need = 2;
      hi = 0x9f;
    } else if (c === 0xf0) {
      need = 3;
      lo = 0x90;
    } else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else if (c === 0xf4) {
      need = 3;
      hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return b.length;
      const d = b[i + k];
      if (d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i + k;
    }
    i += need + 1;
  }
  return -1;
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const VALID: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['ASCII and Latin-1 letters', Buffer.from('Hello-µ@ßöäüàá-UTF-8!!')],
  ['Greek "κόσμε" (2- and 3-byte sequences)', Buffer.from('κόσμε')],
  ['U+0000 (NUL)', hex('00')],
  ['U+007F, the last 1-byte sequence', hex('7f')],
  ['U+0080, the first 2-byte sequence', hex('c280')],
  ['U+07FF, the last 2-byte sequence', hex('dfbf')],
  ['U+0800, the first 3-byte sequence', hex('e0a080')],
  ['U+D7FF, before the surrogates', hex('ed9fbf')],
  ['U+E000, after the surrogates', hex('ee8080')],
  ['U+FFFD, the replacement character', hex('efbfbd')],
  ['U+FFFE and U+FFFF, noncharacters', hex('efbfbe efbfbf')],
  ['U+10000, the first 4-byte sequence', hex('f0908080')],
  ['U+1FFFE, U+10FFFE noncharacters', hex('f09fbfbe f48fbfbe')],
  ['U+10FFFF, the last code point', hex('f48fbfbf')],
  ['U+FEFF (BOM) inside the text', Buffer.from('a\ufeffb')],
  ['mixed 1- to 4-byte characters', Buffer.from('aκ€𝄞z')],
];

const INVALID: [string, Buffer][] = [
  ['the surrogate U+D800 inside text (ED A0 80)', hex('eda080')],
  ['the surrogate U+DBFF (ED AF BF)', hex('edafbf')],
  ['the surrogate U+DC00 (ED B0 80)', hex('edb080')],
  ['the surrogate U+DFFF (ED BF BF)', hex('edbfbf')],
  ['a surrogate pair U+D800 U+DC00 (ED A0 80 ED B0 80)', hex('eda080edb080')],
  ['U+110000, past the last code point (F4 90 80 80)', hex('f4908080')],
  ['F5, a byte that never occurs', hex('f5808080')],
  ['F7 BF BF BF (a 4-byte form past U+10FFFF)', hex('f7bfbfbf')],
  ['a 5-byte sequence (F8 88 80 80 80)', hex('f888808080')],
  ['a 6-byte sequence (FC 84 80 80 80 80)', hex('fc8480808080')],
  ['FE', hex('fe')],
  ['FF', hex('ff')],
  ['FE FE FF FF', hex('fefeffff')],
  ['a lone continuation byte 80', hex('80')],
  ['a lone continuation byte BF', hex('bf')],
  ['continuation bytes 80 BF 80', hex('80bf80')],
  ['overlong "/" in 2 bytes (C0 AF)', hex('c0af')],
  ['overlong "/" in 3 bytes (E0 80 AF)', hex('e080af')],
  ['overlong "/" in 4 bytes (F0 80 80 AF)', hex('f08080af')],
  ['overlong U+007F in 2 bytes (C1 BF)', hex('c1bf')],
  ['overlong U+07FF in 3 bytes (E0 9F BF)', hex('e09fbf')],
  ['overlong U+FFFF in 4 bytes (F0 8F BF BF)', hex('f08fbfbf')],
  ['overlong NUL (C0 80)', hex('c080')],
  ['a 2-byte start followed by a space (C2 20)', hex('c220')],
  ['a 3-byte start followed by a space (E1 20)', hex('e120')],
  ['a 4-byte start followed by a space (F1 20)', hex('f120')],
  ['a 3-byte sequence missing its last byte, then text (E2 82 41)', hex('e28241')],
  ['a 4-byte sequence missing its last byte, then text (F0 9D 84 41)', hex('f09d8441')],
  ['a 2-byte sequence cut at the end (C2)', hex('c2')],
  ['a 3-byte sequence cut at the end (E0 A0)', hex('e0a0')],
  ['a 4-byte sequence cut at the end (F0 90 80)', hex('f09080')],
];

/** Valid text around an invalid sequence, so the frame goes on after the invalid byte. */
const around = (bad: Buffer) => Buffer.concat([Buffer.from('κόσμε'), bad, Buffer.from('-edited')]);

function perByteFrames(c: Conn, data: Buffer): Buffer[] {
  if (data.length === 0) return [c.frame(OPCODE.text, data)];
  return Array.from(data, (_, i) =>
    c.frame(i === 0 ? OPCODE.text : OPCODE.cont, data.subarray(i, i + 1), { fin: i === data.length - 1 }),
  );
}

/** BOM at the very start: WHATWG's "UTF-8 decode" strips it, so a WebSocket-API echo may lose it. */
const bomCase: CaseSpec = {
  id: '6.4.11',
  description:
    'Send a text message starting with U+FEFF (BOM): echoed with it (the WHATWG API strips a leading BOM: INFORMATIONAL)',
  async run(c) {
    const data = Buffer.from('\ufeffBOM first');
    await c.send(OPCODE.text, data);
    const outcome = await expectEcho(c, [text(data)]);
    const got = c.messages()[0];
    if (outcome.verdict === 'FAILED' && got?.text && got.data.equals(Buffer.from('BOM first'))) {
      return {
        verdict: 'INFORMATIONAL',
        reason: 'echoed without the leading BOM (UTF-8 decode as WHATWG specifies strips it)',
      };
    }
    return outcome;
  },
};

export const cases: CaseSpec[] = [
  ...VALID.map(
    ([name, data], i): CaseSpec => ({
      id: `6.1.${i + 1}`,
      description: `Send valid UTF-8 as one text frame: ${name}`,
      async run(c) {
        await c.send(OPCODE.text, data);
        return expectEcho(c, [text(data)]);
      },
    }),
  ),
  ...VALID.filter(([, d]) => d.length > 1).map(
    ([name, data], i): CaseSpec => ({
      id: `6.2.${i + 1}`,
      description: `Send valid UTF-8 one byte per frame (fragmented at every byte): ${name}`,
      async run(c) {
        await c.write(Buffer.concat(perByteFrames(c, data)));
        return expectEcho(c, [text(data)]);
      },
    }),
  ),
  ...VALID.filter(([, d]) => d.length > 1).map(
    ([name, data], i): CaseSpec => ({
      id: `6.3.${i + 1}`,
      description: `Send valid UTF-8 as one text frame in 1-byte chops: ${name}`,
      async run(c) {
        await c.writeChops(c.frame(OPCODE.text, data), 1);
        return expectEcho(c, [text(data)]);
      },
    }),
  ),
  ...Array.from({ length: 10 }, (_, i): CaseSpec => {
    const data = Buffer.from('aκ€𝄞z');
    return {
      id: `6.4.${i + 1}`,
      description: `Send "aκ€𝄞z" (1- to 4-byte characters) in two frames split after byte ${i + 1} of ${data.length}`,
      async run(c) {
        await c.write(
          Buffer.concat([
            c.frame(OPCODE.text, data.subarray(0, i + 1), { fin: false }),
            c.frame(OPCODE.cont, data.subarray(i + 1)),
          ]),
        );
        return expectEcho(c, [text(data)]);
      },
    };
  }),
  bomCase,
  ...INVALID.map(
    ([name, data], i): CaseSpec => ({
      id: `6.5.${i + 1}`,
      description: `Send invalid UTF-8 as one text frame: ${name}: fail with 1007`,
      async run(c) {
        await c.send(OPCODE.text, data);
        return expectFail(c, 1007);
      },
    }),
  ),
  ...INVALID.map(
    ([name, bad], i): CaseSpec => ({
      id: `6.6.${i + 1}`,
      description: `Fail fast: one text frame with ${name} inside valid text, sent up to the invalid byte, a pause, then the rest`,
      async run(c) {
        const data = around(bad);
        const f = c.frame(OPCODE.text, data);
        const cut = f.length - data.length + firstInvalid(data) + 1;
        const fast = await c.writeFailFast(f, cut);
        return expectFail(c, 1007, { fast });
      },
    }),
  ),
  ...INVALID.map(
    ([name, bad], i): CaseSpec => ({
      id: `6.7.${i + 1}`,
      description: `Fail fast: ${name} inside valid text, one byte per frame; a pause after the frame with the invalid byte`,
      async run(c) {
        const data = around(bad);
        const frames = perByteFrames(c, data);
        const at = firstInvalid(data);
        const head = Buffer.concat(frames.slice(0, at + 1));
        const fast = await c.writeFailFast(Buffer.concat([head, ...frames.slice(at + 1)]), head.length);
        return expectFail(c, 1007, { fast });
      },
    }),
  ),
  ...INVALID.map(
    ([name, bad], i): CaseSpec => ({
      id: `6.8.${i + 1}`,
      description: `Fail fast: one text frame with ${name} inside valid text in 1-byte chops; a pause after the invalid byte`,
      async run(c) {
        const data = around(bad);
        const f = c.frame(OPCODE.text, data);
        const cut = f.length - data.length + firstInvalid(data) + 1;
        const fast = await c.writeFailFast(f, cut, undefined, 1);
        return expectFail(c, 1007, { fast });
      },
    }),
  ),
  {
    id: '6.9.1',
    description: 'Send a valid text message, then an invalid one: echo the first, fail with 1007',
    async run(c) {
      await c.send(OPCODE.text, 'valid');
      await c.send(OPCODE.text, hex('cebae1bdb9cf83cebcceb5eda080656469746564'));
      return expectFail(c, 1007, { before: [text('valid')] });
    },
  },
  {
    id: '6.9.2',
    description:
      'Fail fast: a 4-byte sequence split across frames whose continuation is invalid (F0 9D | 84 41 …); pause after the 41',
    async run(c) {
      const first = c.frame(OPCODE.text, hex('41f09d'), { fin: false });
      const second = c.frame(OPCODE.cont, hex('8441424344'), { fin: false });
      const f = Buffer.concat([first, second, c.frame(OPCODE.cont, 'end')]);
      // Up to the 41 after 84: the second frame's header (its mask key too, in the client role) and 2 bytes.
      const cut = first.length + second.length - 5 + 2;
      const fast = await c.writeFailFast(f, cut);
      return expectFail(c, 1007, { fast });
    },
  },
  {
    id: '6.9.3',
    description: 'A text message whose last frame ends inside a sequence (F0 9F | 98): fail with 1007',
    async run(c) {
      await c.write(
        Buffer.concat([c.frame(OPCODE.text, hex('41f09f'), { fin: false }), c.frame(OPCODE.cont, hex('98'))]),
      );
      return expectFail(c, 1007);
    },
  },
  {
    id: '6.9.4',
    description:
      'Fail fast: invalid byte in the first frame of a fragmented text message; pause before its continuation frames',
    async run(c) {
      const first = c.frame(OPCODE.text, hex('4142c0'), { fin: false });
      const f = Buffer.concat([first, c.frame(OPCODE.cont, 'more', { fin: false }), c.frame(OPCODE.cont, 'end')]);
      const fast = await c.writeFailFast(f, first.length);
      return expectFail(c, 1007, { fast });
    },
  },
  {
    id: '6.9.5',
    description: 'Binary messages are not UTF-8 checked: invalid UTF-8 in a binary message is echoed',
    async run(c) {
      const data = hex('eda080c0aff4908080ff');
      await c.send(OPCODE.binary, data);
      return expectEcho(c, [{ text: false, data }]);
    },
  },
];
