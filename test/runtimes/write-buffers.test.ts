// The pool Deno's writes are copied into (runtimes/write-buffers.ts): a copy holds the bytes, is never
// shared with a write still in flight, is at most twice its size, and what the pool keeps stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteBuffers } from '../../runtimes/write-buffers.ts';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('a copy holds the bytes, apart from the source, in the smallest power of two from 256 B that fits', () => {
  const pool = new WriteBuffers();
  for (const n of [0, 1, 255, 256, 257, 1000, 1024, 1025, 65536, 100_000, 4 << 20]) {
    const source = bytes(n);
    const copy = pool.copy(source);
    assert.deepEqual(copy, source, `${n} bytes`);
    if (n > 0) {
      source[0] ^= 0xff;
      assert.notEqual(copy[0], source[0], `${n}: the copy is not a view of the source`);
    }
    const size = copy.buffer.byteLength;
    assert.equal(size, Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(n, 1)))), `${n}: buffer of ${size}`);
  }
});

test('an exact copy is a buffer of its own, just its size', () => {
  const pool = new WriteBuffers();
  pool.giveBack(pool.copy(bytes(5000)));
  const kept = pool.kept;
  const exact = pool.copy(bytes(5000, 4), true);
  assert.equal(exact.buffer.byteLength, 5000);
  assert.deepEqual(exact, bytes(5000, 4));
  assert.equal(pool.kept, kept, 'the pool keeps its free buffer');
});

test('a buffer is reused only once given back', () => {
  const pool = new WriteBuffers();
  const first = pool.copy(bytes(5000));
  const second = pool.copy(bytes(6000, 2));
  assert.notEqual(first.buffer, second.buffer, 'two writes in flight have buffers of their own');
  pool.giveBack(first);
  const third = pool.copy(bytes(7000, 3));
  assert.equal(third.buffer, first.buffer, 'a written buffer of the same size is taken again');
  assert.deepEqual(third, bytes(7000, 3));
  assert.deepEqual(second, bytes(6000, 2), 'the write in flight keeps its bytes');
  const smaller = pool.copy(bytes(3000));
  assert.notEqual(smaller.buffer, second.buffer);
  pool.giveBack(second);
  assert.notEqual(
    pool.copy(bytes(3000)).buffer,
    second.buffer,
    'a smaller write does not take a buffer twice its size and more',
  );
});

test('what the pool keeps is bounded per size and in all; writes over 4 MiB are not kept', () => {
  const pool = new WriteBuffers(4, 64 * 1024);
  const small = Array.from({ length: 10 }, () => pool.copy(bytes(300)));
  for (const copy of small) pool.giveBack(copy);
  assert.equal(pool.kept, 4 * 512, 'four buffers of 512 B');
  const large = Array.from({ length: 3 }, () => pool.copy(bytes(20_000)));
  for (const copy of large) pool.giveBack(copy);
  assert.equal(
    pool.kept,
    4 * 512 + 32 * 1024,
    'one 32 KiB buffer fits under 64 KiB with the small ones, a second does not',
  );
  const huge = pool.copy(bytes((4 << 20) + 1));
  assert.equal(huge.buffer.byteLength, (4 << 20) + 1, 'over 4 MiB: a buffer of its own size');
  const roomy = new WriteBuffers();
  roomy.giveBack(huge);
  assert.equal(roomy.kept, 0);
  roomy.giveBack(new Uint8Array(1000));
  assert.equal(roomy.kept, 0, "a buffer not of the pool's sizes is not kept");
});
