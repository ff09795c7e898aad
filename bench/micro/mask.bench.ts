// Masking (RFC 6455 §5.3), 16 B to 1 MiB, in place: ours (raw `mask` export over data already in WASM
// memory, and with the copy in that Codec.frame does) for every codec build, vs bufferutil's native
// mask, ws's JS `_mask`, and the plain JS loop the client uses below the crossover.
import { bench, group, summary } from 'mitata';
import {
  Buffer,
  KEY,
  KEY_BYTES,
  MASK_SIZES,
  MiB,
  assertSame,
  fmtSize,
  loadBufferutil,
  loadWsJsMask,
  maskJs,
  note,
  randomBytes,
  rawCodec,
  variants,
  work,
} from './data.ts';

export function registerMask(): void {
  const vs = variants();
  const codecs = vs.map((v) => ({ v, ...rawCodec(v, MiB) }));
  const bu = loadBufferutil();
  if ('error' in bu) note(`mask: no bufferutil row: ${bu.error}`);
  const ws = loadWsJsMask();
  if ('error' in ws) note(`mask: no ws row: ${ws.error}`);

  for (const size of MASK_SIZES) {
    const data = randomBytes(size);
    const sz = fmtSize(size);

    // Setup check, not timed: every contender turns `data` into the same bytes.
    const expect = data.slice();
    maskJs(expect, 0, size, KEY);
    for (const c of codecs) {
      const mem = c.bytes();
      mem.set(data, c.ptr);
      c.wasm.mask(c.ptr, size, KEY, 0);
      assertSame(mem.subarray(c.ptr, c.ptr + size), expect, `mask ${c.v.name} and the JS loop`);
    }
    if (!('error' in bu)) {
      const b = Buffer.from(data);
      bu.mask(b, KEY_BYTES, b, 0, size);
      assertSame(b, expect, 'bufferutil and the JS loop');
    }
    if (!('error' in ws)) {
      const b = Buffer.from(data);
      ws.mask(b, KEY_BYTES, b, 0, size);
      assertSame(b, expect, "ws's _mask and the JS loop");
    }

    group(`mask ${sz}`, () => {
      summary(() => {
        for (const { v, wasm, ptr, bytes } of codecs) {
          const mem = bytes();
          mem.set(data, ptr);
          const a = `mask ${sz}: ours ${v.name} in place`;
          work.set(a, { bytes: size });
          bench(a, () => wasm.mask(ptr, size, KEY, 0));
          // Codec.frame's path: the payload is copied into the send region, then masked there.
          const b = `mask ${sz}: ours ${v.name} copy in + mask`;
          work.set(b, { bytes: size });
          bench(b, () => {
            mem.set(data, ptr);
            wasm.mask(ptr, size, KEY, 0);
          });
        }
        if (!('error' in bu)) {
          const buf = Buffer.from(data);
          const name = `mask ${sz}: bufferutil ${bu.version} (native)`;
          work.set(name, { bytes: size });
          bench(name, () => bu.mask(buf, KEY_BYTES, buf, 0, size)).baseline(true);
        }
        if (!('error' in ws)) {
          const buf = Buffer.from(data);
          const name = `mask ${sz}: ws ${ws.version} _mask (JS)`;
          work.set(name, { bytes: size });
          bench(name, () => ws.mask(buf, KEY_BYTES, buf, 0, size));
        }
        {
          // Over WASM memory, where the client would mask a small frame.
          const mem = codecs[0].bytes();
          const ptr = codecs[0].ptr;
          const name = `mask ${sz}: JS loop (in WASM memory)`;
          work.set(name, { bytes: size });
          bench(name, () => maskJs(mem, ptr, size, KEY));
        }
      });
    });
  }
}
