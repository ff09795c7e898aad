// Group 4, opcodes (RFC 6455 §5.2): reserved non-control (3–7) and control (11–15) opcodes must fail
// the connection with 1002, with or without payload, after a valid message (echoed) and before a ping
// (not answered), whole or in chops.
import { expectFail, OPCODE, text, type CaseSpec } from '../case.ts';

function opcodeCases(sub: number, opcodes: number[], kind: string): CaseSpec[] {
  const [a, b, c3, d, e] = opcodes;
  return [
    {
      id: `4.${sub}.1`,
      description: `Send a frame with reserved ${kind} opcode ${a}, no payload`,
      async run(c) {
        await c.send(a);
        return expectFail(c, 1002);
      },
    },
    {
      id: `4.${sub}.2`,
      description: `Send a frame with reserved ${kind} opcode ${b} and a payload`,
      async run(c) {
        await c.send(b, 'reserved opcode payload');
        return expectFail(c, 1002);
      },
    },
    {
      id: `4.${sub}.3`,
      description: `Send a text message, a frame with reserved ${kind} opcode ${c3}, a ping`,
      async run(c) {
        await c.write(
          Buffer.concat([c.frame(OPCODE.text, 'Hello, world!'), c.frame(c3), c.frame(OPCODE.ping, 'Hello, world!')]),
        );
        return expectFail(c, 1002, { before: [text('Hello, world!')] });
      },
    },
    {
      id: `4.${sub}.4`,
      description: `Send a text message, a frame with reserved ${kind} opcode ${d} and a payload, a ping`,
      async run(c) {
        await c.send(OPCODE.text, 'Hello, world!');
        await c.send(d, 'reserved');
        await c.send(OPCODE.ping, 'Hello, world!');
        return expectFail(c, 1002, { before: [text('Hello, world!')] });
      },
    },
    {
      id: `4.${sub}.5`,
      description: `Send a text message, a frame with reserved ${kind} opcode ${e} and a payload, a ping, in 1-byte chops`,
      async run(c) {
        await c.writeChops(
          Buffer.concat([
            c.frame(OPCODE.text, 'Hello, world!'),
            c.frame(e, 'reserved'),
            c.frame(OPCODE.ping, 'Hello, world!'),
          ]),
          1,
        );
        return expectFail(c, 1002, { before: [text('Hello, world!')] });
      },
    },
  ];
}

export const cases: CaseSpec[] = [
  ...opcodeCases(1, [3, 4, 5, 6, 7], 'non-control'),
  ...opcodeCases(2, [11, 12, 13, 14, 15], 'control'),
];
