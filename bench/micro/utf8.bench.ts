// UTF-8 validation of ASCII, mixed (1/2/3/4-byte) text and mostly-ASCII prose (a pair of 3-byte curly
// quotes per 118-byte sentence) at 64 B, 1 KiB and 64 KiB: ours
// (`utf8_validate` over data already in WASM memory) for every codec build vs TextDecoder with
// fatal: true (which also builds the string) vs node:buffer's isUtf8 vs utf-8-validate where installed.
import * as nodeBuffer from 'node:buffer';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bench, do_not_optimize, group, summary } from 'mitata';
import { Buffer, UTF8_SIZES, asciiText, fmtSize, mixedText, note, rawCodec, variants, work } from './data.ts';

type Validate = (buf: Uint8Array) => boolean;

/**
 * `n` bytes of English prose, a pair of curly quotes (3 bytes each) per 118-byte sentence, repeated
 * and cut at `n`: a quote cut short at the end becomes '.'.
 */
function proseText(n: number): Uint8Array {
  const sentence = new TextEncoder().encode(
    'He said \u201cyes\u201d and left the room without another word, closing the door quietly behind him while the rain kept on. ',
  );
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = sentence[i % sentence.length];
  let lead = n;
  while (lead > 0 && (out[lead - 1] & 0xc0) === 0x80) lead--;
  if (lead > 0 && out[lead - 1] >= 0xc0 && n - (lead - 1) < 3) out.fill(0x2e, lead - 1); // '.'
  return out;
}

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
  const kinds = [
    ['ASCII', asciiText],
    ['mixed', mixedText],
    ['prose', proseText],
  ] as const;
  const codecs = vs.map((v) => ({ v, ...rawCodec(v, kinds.length * UTF8_SIZES.reduce((a, n) => a + n, 0)) }));
  let offset = 0;
  const isUtf8 = (nodeBuffer as { isUtf8?: Validate }).isUtf8;
  if (typeof isUtf8 !== 'function') note('utf8: node:buffer has no isUtf8 on this runtime: no row');
  const utf8Validate = loadUtf8Validate();
  const decoder = new TextDecoder('utf-8', { fatal: true });

  for (const [kind, make] of kinds) {
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
