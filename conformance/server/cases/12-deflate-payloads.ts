// Group 12, permessage-deflate with different payloads: the server agrees to the extension with its
// defaults (context takeover both ways) and sends compressed messages of each kind and size; the
// client must inflate and echo each. With the roles swapped, the fuzzing client offers the extension as
// Autobahn's client does by default, and the server must inflate and echo each.
import { autobahnOffer, countFor, deflateEchoCase, PAYLOADS, SIZES } from './deflate-echo.ts';

export const cases = PAYLOADS.flatMap(([kind, make], k) =>
  SIZES.map((size, s) =>
    deflateEchoCase(
      `12.${k + 1}.${s + 1}`,
      `Echo ${countFor(size)} compressed messages of ${kind}, ${size} bytes each (permessage-deflate, context takeover)`,
      () => Array.from({ length: countFor(size) }, (_, i) => make(size, i + 1)),
      () => 'permessage-deflate',
      {
        offer: autobahnOffer(),
        description: `Echo ${countFor(size)} compressed messages of ${kind}, ${size} bytes each (permessage-deflate, Autobahn's default offer)`,
      },
    ),
  ),
);
