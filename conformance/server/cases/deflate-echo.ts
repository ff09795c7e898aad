// What groups 12 and 13 share: permessage-deflate echo cases. The server agrees to the extension with
// the case's parameters (when the client offers it), sends each message compressed, waits for its echo,
// then sends the next; the client's echoes are read by ws's own inflater with the agreed parameters, so
// a client that compresses with a larger window than it was allowed, or keeps context it agreed not to
// keep, sends frames that do not inflate: FAILED. A client that does not offer the extension (or cannot
// take the case's parameters) gets INFORMATIONAL, as Autobahn's "UNIMPLEMENTED".
// With the roles swapped (conformance/client/), the fuzzing client offers the extension as Autobahn's
// client does (`autobahnOffer`), with the case's parameters, and sends each message compressed as the
// server's answer agreed; the server's echoes are read by ws's client-side inflater, so a server that
// compresses with a larger window than agreed or keeps context it agreed not to keep gets FAILED too.
import { binary, expectEcho, OPCODE, text, WAIT, type CaseSpec, type Msg } from '../case.ts';

/**
 * An offer as Autobahn's client makes it (autobahn's PerMessageDeflateOffer, its parameters in its
 * order): by default it accepts a client window limit and no client context takeover, and requests
 * nothing of the server. `clientNoContextTakeover: false` leaves client_no_context_takeover out (the
 * client keeps its context unless the server asks otherwise); `clientMaxWindowBits` names the client's
 * window instead of only accepting a limit; the server parameters are requested.
 */
export function autobahnOffer(
  request: {
    clientNoContextTakeover?: boolean;
    clientMaxWindowBits?: number;
    serverNoContextTakeover?: boolean;
    serverMaxWindowBits?: number;
  } = {},
): string {
  let offer = 'permessage-deflate';
  if (request.clientNoContextTakeover ?? true) offer += '; client_no_context_takeover';
  offer += `; client_max_window_bits${request.clientMaxWindowBits ? `=${request.clientMaxWindowBits}` : ''}`;
  if (request.serverNoContextTakeover) offer += '; server_no_context_takeover';
  if (request.serverMaxWindowBits) offer += `; server_max_window_bits=${request.serverMaxWindowBits}`;
  return offer;
}

/** Message sizes (Autobahn's run to 256 KiB; ours to 128 KiB, fewer messages per case as they grow). */
export const SIZES = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];

/** Messages of a case: as many as fit 256 KiB, from 4 to 100 (Autobahn sends 1000). */
export const countFor = (size: number): number => Math.max(4, Math.min(100, Math.floor((256 * 1024) / size)));

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `size` bytes of text made of `piece(i, rnd)`, cut at a character boundary (valid UTF-8). */
function textOf(size: number, seed: number, piece: (i: number, rnd: () => number) => string): Buffer {
  const rnd = xorshift(seed);
  let s = '';
  for (let i = 0; Buffer.byteLength(s) < size; i++) s += piece(i, rnd);
  const bytes = Buffer.from(s).subarray(0, size);
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] & 0xc0) === 0x80) end--; // a trailing partial character
  if (end > 0 && bytes[end - 1] >= 0xc0) end--;
  return Buffer.from(bytes.subarray(0, end));
}

const FAUST =
  'Habe nun, ach! Philosophie, Juristerei und Medizin, und leider auch Theologie durchaus studiert, mit heißem Bemühn. Da steh ich nun, ich armer Tor! ';

/** The kinds of payload group 12 sends, as Autobahn's (JSON, a bitmap, German text, HTML, random bytes). */
export const PAYLOADS: [string, (size: number, seed: number) => Msg][] = [
  [
    'JSON text',
    (size, seed) =>
      text(
        textOf(
          size,
          seed,
          (i, r) =>
            `{"id":${i},"symbol":"BTC-USD","price":${(r() % 6000000) / 100},"side":"${r() & 1 ? 'buy' : 'sell'}"},`,
        ),
      ),
  ],
  [
    'binary (a bitmap)',
    (size, seed) =>
      binary(
        Buffer.from(Array.from({ length: size }, (_, i) => ((i >> 6) * 37 + seed) & (i % 512 < 256 ? 0xff : 0x0f))),
      ),
  ],
  ['German text', (size, seed) => text(textOf(size, seed, (i) => (i % 3 === 0 ? FAUST : FAUST.toUpperCase())))],
  [
    'HTML',
    (size, seed) =>
      text(
        textOf(size, seed, (i, r) => `<tr class="row"><td id="c${i}">${r() % 1000}</td><td>Zürich — 東京</td></tr>\n`),
      ),
  ],
  [
    'random bytes (incompressible)',
    (size, seed) => {
      const r = xorshift(seed);
      return binary(Buffer.from(Array.from({ length: size }, () => r() & 0xff)));
    },
  ],
];

/**
 * A case that echoes `messages` compressed. `respond` gives the response's extension parameters for
 * the client's offer, or null when the offer cannot take them. `mirror`: with the roles swapped, the
 * fuzzing client's offer and the description that names it.
 */
export function deflateEchoCase(
  id: string,
  description: string,
  messages: () => Msg[],
  respond: (offer: string) => string | null,
  mirror: { offer: string; description: string },
): CaseSpec {
  return {
    id,
    description,
    timeout: 30_000,
    deflate: (offer) => respond(offer) ?? '',
    mirror,
    async run(c) {
      if (!c.extensions) {
        return {
          verdict: 'INFORMATIONAL',
          reason:
            c.role === 'server'
              ? 'the client did not offer permessage-deflate (or not with these parameters)'
              : 'the server did not accept the permessage-deflate offer',
        };
      }
      const want = messages();
      for (let i = 0; i < want.length; i++) {
        await c.sendCompressed(want[i].text ? OPCODE.text : OPCODE.binary, want[i].data);
        if (!(await c.waitFor(() => c.messages().length > i || c.gone(), WAIT))) break;
        if (c.gone()) break;
      }
      return expectEcho(c, want);
    },
  };
}
