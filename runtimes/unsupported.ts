// The package's entry point where it cannot run: the `browser` export condition, which bundlers building
// for a browser pick. Importing it fails at once, saying why, instead of deep inside node:net or
// Deno.connect. It has the package's exports so that a bundle links; none is reached.
export * from '../src/api.ts';

function unsupported(): never {
  throw new Error(
    'wasm-ws runs on Node (20 or later), Bun and Deno: it opens TCP sockets, which a browser cannot. In a browser, use the global WebSocket.',
  );
}

/** Not available in a browser: importing this module throws. */
export const WebSocket: never = unsupported();
/** Not available in a browser: importing this module throws. */
export const connect: never = unsupported();
/** Not available in a browser: importing this module throws. */
export const WebSocketStream: never = unsupported();
