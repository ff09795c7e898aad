// Requests for more memory than a region may have (2 GiB) are refused at once, never looping or
// wrapping around; and the record shows NEED_MORE once the input is consumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, makeCodec, variants } from './helpers.ts';

for (const variant of variants) {
  test(`${variant.name}: oversized rx_reserve and tx_reserve return 0`, () => {
    const codec = makeCodec(variant);
    codec.reset(); // its context made and selected: the raw calls below act on it
    const pages = codec.wasm.memory.buffer.byteLength;
    for (const size of [0x7fffffff, -1, -0x80000000, 0x7fff0001]) {
      assert.equal(codec.wasm.rx_reserve(size), 0, `rx_reserve(${size})`);
      assert.equal(codec.wasm.tx_reserve(size), 0, `tx_reserve(${size})`);
    }
    assert.equal(codec.wasm.memory.buffer.byteLength, pages, 'memory did not grow');
    // The codec still works afterwards.
    codec.push(Uint8Array.of(0x82, 0x01, 0x2a));
    assert.equal(codec.next(), Event.Data);
    assert.deepEqual([...codec.message()], [0x2a]);
  });

  test(`${variant.name}: the record's event slot reads NEED_MORE after the input is consumed`, () => {
    const codec = makeCodec(variant);
    codec.push(Uint8Array.of(0x89, 0x00));
    assert.equal(codec.next(), Event.Ping);
    assert.equal(codec.next(), Event.NeedMore);
    const record = new Int32Array(codec.wasm.memory.buffer, codec.wasm.init(), 1);
    assert.equal(record[0], Event.NeedMore);
  });
}
