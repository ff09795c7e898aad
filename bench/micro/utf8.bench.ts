// UTF-8 validation of ASCII and mixed (1/2/3/4-byte) text at 64 B, 1 KiB and 64 KiB: ours
// (`utf8_validate` over data already in WASM memory) for every codec build vs TextDecoder with
// fatal: true (which also builds the string) vs node:buffer's isUtf8 vs utf-8-validate where installed.
import * as nodeBuffer from 'node:buffer';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bench, do_not_optimize, group, summary } from 'mitata';
import { Buffer, UTF8_SIZES, asciiText, fmtSize, mixedText, note, rawCodec, variants, work } from './data.ts';

type Validate = (buf: Uint8Array) => boolean;

function loadUtf8Validate(): Validate | undefined {
  const require = createRequire(fileURLToPath(import.meta.url));
  try {
    const m = require(fileURLToPath(new URL('../../node_modules/utf-8-validate/index.js', import.meta.url)));
    return m as Validate;
  } catch {
    note('utf8: utf-8-validate is not installed (not a dev dependency): no row');
    return undefined;
  }
}

export function registerUtf8(): void {
  const vs = variants();
  // Every text gets its own place in each instance's memory: the benchmarks run after all are registered.
  const codecs = vs.map((v) => ({ v, ...rawCodec(v, 2 * (64 + 1024 + 64 * 1024)) }));
  let offset = 0;
  const isUtf8 = (nodeBuffer as { isUtf8?: Validate }).isUtf8;
  if (typeof isUtf8 !== 'function') note('utf8: node:buffer has no isUtf8 on this runtime: no row');
  const utf8Validate = loadUtf8Validate();
  const decoder = new TextDecoder('utf-8', { fatal: true });

  for (const [kind, make] of [
    ['ASCII', asciiText],
    ['mixed', mixedText],
  ] as const) {
    for (const size of UTF8_SIZES) {
      const text = make(size);
      const buf = Buffer.from(text);
      const sz = fmtSize(size);
      decoder.decode(text); // throws if the input is not valid: setup check

      group(`utf8 ${kind} ${sz}`, () => {
        summary(() => {
          const at = offset;
          offset += size;
          for (const { v, wasm, ptr: base, bytes } of codecs) {
            const ptr = base + at;
            bytes().set(text, ptr);
            if (wasm.utf8_validate(ptr, size) !== -1) throw new Error(`bench/micro: ${v.name} rejects valid text`);
            const name = `utf8 ${kind} ${sz}: ours ${v.name}`;
            work.set(name, { bytes: size });
            bench(name, () => do_not_optimize(wasm.utf8_validate(ptr, size)));
          }
          {
            const name = `utf8 ${kind} ${sz}: TextDecoder fatal`;
            work.set(name, { bytes: size });
            bench(name, () => do_not_optimize(decoder.decode(buf))).baseline(true);
          }
          if (typeof isUtf8 === 'function') {
            if (!isUtf8(buf)) throw new Error('bench/micro: isUtf8 rejects valid text');
            const name = `utf8 ${kind} ${sz}: buffer.isUtf8`;
            work.set(name, { bytes: size });
            bench(name, () => do_not_optimize(isUtf8(buf)));
          }
          if (utf8Validate) {
            const name = `utf8 ${kind} ${sz}: utf-8-validate`;
            work.set(name, { bytes: size });
            bench(name, () => do_not_optimize(utf8Validate(buf)));
          }
        });
      });
    }
  }
}
