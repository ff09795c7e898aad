// undici 8's WebSocket from npm (what Node's own WebSocket will become), on Node 24: it needs Node 22.19+.
import { WebSocket } from 'undici';
import { clientArgs, readText, runLoop } from './loop.ts';

const args = clientArgs();
// For wss, the runner trusts the server's certificate through NODE_EXTRA_CA_CERTS.
if (args.ca) await readText(args.ca);
await runLoop(args, async (onEcho) => {
  const ws = new WebSocket(args.url);
  ws.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`undici's WebSocket failed to connect to ${args.url}`));
  });
  ws.onmessage = (event) =>
    onEcho(typeof event.data === 'string' ? event.data.length : (event.data as ArrayBuffer).byteLength);
  return {
    send: (payload) => ws.send(payload as Uint8Array<ArrayBuffer> | string),
    close: () => ws.close(),
    extensions: ws.extensions,
  };
});
