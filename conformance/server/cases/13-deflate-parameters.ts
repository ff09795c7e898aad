// Group 13, permessage-deflate with different parameters: the server agrees with window sizes and
// context-takeover settings of its choosing (those for the client's side only when the client offered
// client_max_window_bits); JSON text of each size is echoed. The client's echoes are inflated with the
// agreed parameters: a larger window or kept context makes them fail to inflate.
import { countFor, deflateEchoCase, PAYLOADS, SIZES } from './deflate-echo.ts';

const json = PAYLOADS[0][1];
const offersClientBits = (offer: string) => /client_max_window_bits/.test(offer);

const RESPONSES: [string, (offer: string) => string | null][] = [
  ['the defaults', () => 'permessage-deflate'],
  [
    'no context takeover either way',
    () => 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
  ],
  ['a 512-byte server window', () => 'permessage-deflate; server_max_window_bits=9'],
  ['a 32 KiB server window, stated', () => 'permessage-deflate; server_max_window_bits=15'],
  ['a 512-byte client window', (o) => (offersClientBits(o) ? 'permessage-deflate; client_max_window_bits=9' : null)],
  [
    'a 1 KiB client window, no client context takeover',
    (o) => (offersClientBits(o) ? 'permessage-deflate; client_max_window_bits=10; client_no_context_takeover' : null),
  ],
  [
    'small windows and no context takeover either way',
    (o) =>
      offersClientBits(o)
        ? 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9'
        : null,
  ],
];

export const cases = RESPONSES.flatMap(([what, respond], r) =>
  SIZES.slice(0, 8).map((size, s) =>
    deflateEchoCase(
      `13.${r + 1}.${s + 1}`,
      `Echo ${countFor(size)} compressed JSON messages of ${size} bytes, the server agreeing to ${what}`,
      () => Array.from({ length: countFor(size) }, (_, i) => json(size, i + 1)),
      respond,
    ),
  ),
);
