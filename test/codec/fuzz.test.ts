// A short fuzz run (the long one: `npm run fuzz`, test/fuzz/long-fuzz.ts); the core is in fuzz-core.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, feed, fixedChunks, frame, makeCodec, pattern, variants } from './helpers.ts';
import { memoryBound, runFuzz } from './fuzz-core.ts';

const STREAMS = Number(process.env.FUZZ_STREAMS ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

for (const v of variants) {
  describe(`fuzz [${v.name}]`, () => {
    test(`${STREAMS} random and mutated streams in random chunks (seed ${SEED})`, () => {
      const stats = runFuzz({ seed: SEED, streams: STREAMS, variants: [v] });
      assert.equal(stats.streams, STREAMS);
      // The generator must reach both outcomes and a spread of errors, or the run proves little.
      assert.ok(stats.clean > STREAMS / 10, `only ${stats.clean} clean streams`);
      assert.ok(Object.keys(stats.errors).length >= 10, `errors seen: ${JSON.stringify(stats.errors)}`);
    });

    test('memory stays put over many large fragmented messages (no growth per message)', () => {
      const max = 1 << 20;
      const codec = makeCodec(v, { maxMessage: max });
      const initial = codec.wasm.memory.buffer.byteLength;
      const msg = concat([
        frame({ opcode: 2, fin: false, payload: pattern(max / 2, 1) }),
        frame({ opcode: 9, payload: pattern(125, 2) }),
        frame({ opcode: 0, payload: pattern(max / 2, 3) }),
      ]);
      let after1 = 0;
      for (let m = 0; m < 20; m++) {
        const evs = feed(codec, fixedChunks(msg, 65536 + m)).events;
        assert.equal(evs.length, 3);
        assert.equal(evs[2].type === 'data' && evs[2].message.length, max);
        if (m === 0) after1 = codec.wasm.memory.buffer.byteLength;
      }
      assert.equal(codec.wasm.memory.buffer.byteLength, after1);
      assert.ok(after1 <= memoryBound(initial, max, 65536 + 20), `${after1} bytes`);
    });
  });
}
