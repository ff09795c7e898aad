// Run by consumer.test.ts inside a project that depends on wasm-ws by path, on Node, Bun or Deno:
// imports the package by name, echoes one message through the URL in argv, prints what it resolved.
import { connect, WebSocket } from 'wasm-ws';

const url = (globalThis.Deno ? Deno.args : process.argv.slice(2))[0];
const echoed = await new Promise((resolve, reject) => {
  connect(url, { onMessage: (data, isText) => resolve({ text: new TextDecoder().decode(data), isText }) })
    .then((conn) => conn.sendText('hello from a dependent project'), reject);
});
console.log(JSON.stringify({ resolved: import.meta.resolve('wasm-ws'), echoed, webSocket: typeof WebSocket.OPEN }));
process.exit(0);
