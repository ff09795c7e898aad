// Group 10, auto-fragmentation: the server sends messages cut into frames of a fixed size, regardless
// of character boundaries (as an auto-fragmenting peer does); the client must reassemble and echo them
// whole. Its echo may itself be fragmented: the server reassembles it.
import { binary, expectEcho, OPCODE, text, type CaseSpec, type Conn, type Msg } from '../case.ts';

function fragments(c: Conn, opcode: number, data: Buffer, size: number): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < data.length || at === 0; at += size) {
    frames.push(
      c.frame(at === 0 ? opcode : OPCODE.cont, data.subarray(at, at + size), { fin: at + size >= data.length }),
    );
  }
  return Buffer.concat(frames);
}

function multibyteText(n: number): Buffer {
  const unit = Buffer.from('€'); // 3 bytes: a 1300-byte cut splits it
  const out = Buffer.alloc(n - (n % 3));
  for (let at = 0; at < out.length; at += 3) unit.copy(out, at);
  return out;
}

const cases_: [string, boolean, Buffer, number][] = [
  ['a text message of 64 KiB (ASCII)', true, Buffer.alloc(65536, 0x2a), 1300],
  ['a binary message of 64 KiB', false, Buffer.from(Array.from({ length: 65536 }, (_, i) => i & 0xff)), 1300],
  ['a text message of 64 KiB in 3-byte characters (frames split characters)', true, multibyteText(65536), 1300],
  ['a binary message of 1 MiB', false, Buffer.alloc(1024 * 1024, 0xa5), 4096],
  ['a text message of 1000 bytes in 3-byte characters', true, multibyteText(1002), 1],
  ['an empty text message', true, Buffer.alloc(0), 1300],
];

export const cases: CaseSpec[] = cases_.map(([name, isText, data, size], i) => ({
  id: `10.1.${i + 1}`,
  description: `Send ${name} auto-fragmented into frames of ${size} byte(s)`,
  timeout: 20_000,
  async run(c) {
    await c.write(fragments(c, isText ? OPCODE.text : OPCODE.binary, data, size));
    const want: Msg = isText ? text(data) : binary(data);
    return expectEcho(c, [want], { wait: 8000 });
  },
}));
