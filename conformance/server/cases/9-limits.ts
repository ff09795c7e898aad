// Group 9, limits and performance: single text and binary messages up to 16 MiB; 4 MiB messages in
// fragments from 64 bytes to 4 MiB; 1 MiB messages in TCP chops from 64 bytes up; 1000 round trips of
// small messages, one at a time. Each is judged on the exact echo; its time (handshake to close
// handshake) is the measurement that goes into the report's group-9 table. Cases marked `heavy` are
// left out of the quick selection that `npm test` runs (see cases/index.ts).
import { binary, expectEcho, OPCODE, text, type CaseSpec, type Msg } from '../case.ts';

const KiB = 1024;
const MiB = 1024 * 1024;
const size = (n: number) => (n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} B`);

/** Text of exactly `n` bytes mixing 1- to 4-byte characters (so fragments split characters). */
function textPayload(n: number): Buffer {
  const unit = Buffer.from('BAsd7&jh23 κόσμε € 𝄞 ');
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += unit.length) unit.copy(out, at, 0, Math.min(unit.length, n - at));
  // End on a character boundary: pad a cut sequence with ASCII.
  let i = n - 1;
  while (i >= 0 && (out[i] & 0xc0) === 0x80) i--;
  if (i >= 0 && out[i] >= 0xc0) out.fill(0x2a, i);
  return out;
}

function binaryPayload(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

const payloadFor = (isText: boolean, n: number) => (isText ? textPayload(n) : binaryPayload(n));
const msgFor = (isText: boolean, data: Buffer): Msg => (isText ? text(data) : binary(data));
/** Generous time for the echo of `bytes`: a slow runtime on two shared cores. */
const waitFor = (bytes: number) => 10_000 + Math.round(bytes / MiB) * 3000;

const SINGLE = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
const FRAGMENTS = [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB];
const CHOPS = [64, 128, 256, 512, 1 * KiB, 2 * KiB, 4 * KiB];
const ROUND_TRIP_SIZES = [0, 16, 64, 256, 1 * KiB, 4 * KiB];

function single(sub: number, isText: boolean): CaseSpec[] {
  return SINGLE.map((n, i) => ({
    id: `9.${sub}.${i + 1}`,
    description: `Send a ${isText ? 'text' : 'binary'} message of ${size(n)} in one frame`,
    timeout: 2 * waitFor(n) + 5000,
    heavy: n > 1 * MiB,
    async run(c) {
      const data = payloadFor(isText, n);
      await c.send(isText ? OPCODE.text : OPCODE.binary, data);
      return expectEcho(c, [msgFor(isText, data)], { wait: waitFor(n) });
    },
  }));
}

function fragmented(sub: number, isText: boolean): CaseSpec[] {
  const total = 4 * MiB;
  return FRAGMENTS.map((f, i) => ({
    id: `9.${sub}.${i + 1}`,
    description: `Send a ${isText ? 'text' : 'binary'} message of ${size(total)} in fragments of ${size(f)}`,
    timeout: 2 * waitFor(total) + 5000,
    heavy: f < 4 * KiB || f > 256 * KiB,
    async run(c) {
      const data = payloadFor(isText, total);
      const frames: Buffer[] = [];
      for (let at = 0; at < total; at += f) {
        frames.push(
          c.frame(at === 0 ? (isText ? OPCODE.text : OPCODE.binary) : OPCODE.cont, data.subarray(at, at + f), {
            fin: at + f >= total,
          }),
        );
      }
      await c.write(Buffer.concat(frames));
      return expectEcho(c, [msgFor(isText, data)], { wait: waitFor(total) });
    },
  }));
}

function chopped(sub: number, isText: boolean): CaseSpec[] {
  const total = 1 * MiB;
  return CHOPS.map((chop, i) => ({
    id: `9.${sub}.${i + 1}`,
    description: `Send a ${isText ? 'text' : 'binary'} message of ${size(total)} in TCP chops of ${size(chop)}`,
    timeout: 2 * waitFor(total) + 20_000,
    heavy: chop < 1 * KiB,
    async run(c) {
      const data = payloadFor(isText, total);
      await c.writeChops(c.frame(isText ? OPCODE.text : OPCODE.binary, data), chop);
      return expectEcho(c, [msgFor(isText, data)], { wait: waitFor(total) });
    },
  }));
}

function roundTrips(sub: number, isText: boolean): CaseSpec[] {
  const count = 1000;
  return ROUND_TRIP_SIZES.map((n, i) => ({
    id: `9.${sub}.${i + 1}`,
    description: `Send ${count} ${isText ? 'text' : 'binary'} messages of ${size(n)}, each after the echo of the one before`,
    timeout: 60_000,
    heavy: n > 0 && n < 4 * KiB,
    async run(c) {
      const data = payloadFor(isText, n);
      for (let k = 0; k < count; k++) {
        await c.write(c.frame(isText ? OPCODE.text : OPCODE.binary, data)); // a client masks each with a fresh key
        const echoed = await c.waitFor(() => c.messages().length > k || c.gone(), 5000);
        const got = c.messages()[k];
        if (!echoed || !got) return { verdict: 'FAILED', reason: `round trip ${k + 1} of ${count}: no echo` };
        if (got.text !== isText || !got.data.equals(data))
          return { verdict: 'FAILED', reason: `expected echo mismatch in round trip ${k + 1}` };
        got.data = Buffer.alloc(0); // keep memory flat
      }
      c.events.length = 0;
      return expectEcho(c, []);
    },
  }));
}

export const cases: CaseSpec[] = [
  ...single(1, true),
  ...single(2, false),
  ...fragmented(3, true),
  ...fragmented(4, false),
  ...chopped(5, true),
  ...chopped(6, false),
  ...roundTrips(7, true),
  ...roundTrips(8, false),
];
