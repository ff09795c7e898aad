// Group 13, permessage-deflate with different parameters: the server agrees with window sizes and
// context-takeover settings of its choosing (those for the client's side only when the client offered
// client_max_window_bits); JSON text of each size is echoed. The client's echoes are inflated with the
// agreed parameters: a larger window or kept context makes them fail to inflate.
// With the roles swapped, the fuzzing client asks for the same parameters in an offer shaped as Autobahn's
// client makes them (the server ones requested, the client's window named, client_no_context_takeover
// only where the case has it: context is kept both ways otherwise), and the server answers as it chooses.
import { autobahnOffer, countFor, deflateEchoCase, PAYLOADS, SIZES } from './deflate-echo.ts';

const json = PAYLOADS[0][1];
const offersClientBits = (offer: string) => /client_max_window_bits/.test(offer);

/** What the server agrees to, its response to an offer, and (roles swapped) the offer that asks for it. */
const RESPONSES: [string, (offer: string) => string | null, string][] = [
  ['the defaults', () => 'permessage-deflate', autobahnOffer({ clientNoContextTakeover: false })],
  [
    'no context takeover either way',
    () => 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    autobahnOffer({ serverNoContextTakeover: true }),
  ],
  [
    'a 512-byte server window',
    () => 'permessage-deflate; server_max_window_bits=9',
    autobahnOffer({ clientNoContextTakeover: false, serverMaxWindowBits: 9 }),
  ],
  [
    'a 32 KiB server window, stated',
    () => 'permessage-deflate; server_max_window_bits=15',
    autobahnOffer({ clientNoContextTakeover: false, serverMaxWindowBits: 15 }),
  ],
  [
    'a 512-byte client window',
    (o) => (offersClientBits(o) ? 'permessage-deflate; client_max_window_bits=9' : null),
    autobahnOffer({ clientNoContextTakeover: false, clientMaxWindowBits: 9 }),
  ],
  [
    'a 1 KiB client window, no client context takeover',
    (o) => (offersClientBits(o) ? 'permessage-deflate; client_max_window_bits=10; client_no_context_takeover' : null),
    autobahnOffer({ clientMaxWindowBits: 10 }),
  ],
  [
    'small windows and no context takeover either way',
    (o) =>
      offersClientBits(o)
        ? 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9'
        : null,
    autobahnOffer({ serverNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 9 }),
  ],
];

export const cases = RESPONSES.flatMap(([what, respond, offer], r) =>
  SIZES.slice(0, 8).map((size, s) =>
    deflateEchoCase(
      `13.${r + 1}.${s + 1}`,
      `Echo ${countFor(size)} compressed JSON messages of ${size} bytes, the server agreeing to ${what}`,
      () => Array.from({ length: countFor(size) }, (_, i) => json(size, i + 1)),
      respond,
      {
        offer,
        description: `Echo ${countFor(size)} compressed JSON messages of ${size} bytes, the client asking for ${what} (offer: ${offer})`,
      },
    ),
  ),
);
