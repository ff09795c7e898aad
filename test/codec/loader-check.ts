// Run by loader.test.ts under Node, Bun and Deno: instantiates the codec's SIMD and scalar builds
// through src/codec (bytes built into the package, no file paths), parses RFC 6455 §5.7's masked
// "Hello" as a server and builds it as a client, and prints the result as JSON. Web APIs only.
import { Codec, Event, Role, availableBackends, simdSupported } from '../../src/codec/index.ts';

const masked = Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
const results: Record<string, unknown>[] = [];
for (const backend of availableBackends()) {
  for (const simd of simdSupported ? [true, false] : [false]) {
    const server = new Codec({ backend, simd, role: Role.Server });
    server.push(masked);
    const ev = server.next();
    const text = ev === Event.Data ? new TextDecoder().decode(server.message()) : null;
    const more = server.next();
    const client = new Codec({ backend, simd, role: Role.Client });
    const built = Array.from(client.frame(0x81, new TextEncoder().encode('Hello'), 0x3d21fa37));
    // biome-ignore lint/suspicious/noThenProperty: a plain result record (the event after this one), never awaited.
    results.push({ backend, simd, event: ev, fin: server.fin, text, then: more, built });
  }
}
console.log(JSON.stringify({ simdSupported, backends: availableBackends(), results }));
