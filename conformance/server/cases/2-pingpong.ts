// Group 2, ping/pong (RFC 6455 §5.5.2–5.5.3): a ping is answered by a pong with the same payload, up to
// 125 bytes; a 126-byte ping is a protocol error (1002); unsolicited pongs are ignored; ten pings get
// ten pongs, also when every frame arrives in 1-byte chops.
import { expectEcho, expectFail, OPCODE, text, type CaseSpec } from '../case.ts';

const bytes = (n: number, fill = 0xfe) => Buffer.alloc(n, fill);
const pingEcho = (id: string, description: string, data: Buffer, chop = 0): CaseSpec => ({
  id,
  description,
  async run(c) {
    const f = c.frame(OPCODE.ping, data);
    if (chop) await c.writeChops(f, chop);
    else await c.write(f);
    return expectEcho(c, [], { pings: [data] });
  },
});

export const cases: CaseSpec[] = [
  pingEcho('2.1', 'Send a ping without payload', Buffer.alloc(0)),
  pingEcho('2.2', 'Send a ping with a small text payload', Buffer.from('Hello, world!')),
  pingEcho(
    '2.3',
    'Send a ping with a small binary payload',
    Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]),
  ),
  pingEcho('2.4', 'Send a ping with a binary payload of 125 bytes', bytes(125)),
  {
    id: '2.5',
    description: 'Send a ping with a binary payload of 126 bytes: fail with 1002',
    async run(c) {
      await c.send(OPCODE.ping, bytes(126));
      return expectFail(c, 1002);
    },
  },
  pingEcho('2.6', 'Send a ping with a payload of 125 bytes in 1-byte chops', bytes(125, 0x61), 1),
  {
    id: '2.7',
    description: 'Send an unsolicited pong without payload: ignored',
    async run(c) {
      await c.send(OPCODE.pong);
      return expectEcho(c, []);
    },
  },
  {
    id: '2.8',
    description: 'Send an unsolicited pong with a payload: ignored',
    async run(c) {
      await c.send(OPCODE.pong, 'unsolicited pong payload');
      return expectEcho(c, []);
    },
  },
  {
    id: '2.9',
    description: 'Send an unsolicited pong, then a ping: only the ping is answered',
    async run(c) {
      await c.send(OPCODE.pong, 'unsolicited pong payload');
      await c.send(OPCODE.ping, 'ping payload');
      return expectEcho(c, [], { pings: [Buffer.from('ping payload')] });
    },
  },
  {
    id: '2.10',
    description: 'Send ten pings: ten pongs with their payloads, in order',
    async run(c) {
      const pings = Array.from({ length: 10 }, (_, i) => Buffer.from(`payload-${i}`));
      for (const p of pings) await c.send(OPCODE.ping, p);
      return expectEcho(c, [], { pings });
    },
  },
  {
    id: '2.11',
    description: 'Send ten pings in 1-byte chops: ten pongs with their payloads, in order',
    async run(c) {
      const pings = Array.from({ length: 10 }, (_, i) => Buffer.from(`payload-${i}`));
      await c.writeChops(Buffer.concat(pings.map((p) => c.frame(OPCODE.ping, p))), 1);
      return expectEcho(c, [], { pings });
    },
  },
  {
    id: '2.12',
    description: 'Send a text message, a ping and a text message: echo, pong, echo',
    async run(c) {
      await c.send(OPCODE.text, 'one');
      await c.send(OPCODE.ping, 'between');
      await c.send(OPCODE.text, 'two');
      return expectEcho(c, [text('one'), text('two')], { pings: [Buffer.from('between')] });
    },
  },
];
