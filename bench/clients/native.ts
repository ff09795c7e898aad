// The runtime's own WebSocket (Node 20 needs --experimental-websocket; the orchestrator passes it).
import { clientArgs, runLoop } from './loop.ts';

const args = clientArgs();
await runLoop(args, async (onEcho) => {
  const ws = new WebSocket(args.url);
  ws.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`native WebSocket failed to connect to ${args.url}`));
  });
  ws.onmessage = (event) =>
    onEcho(typeof event.data === 'string' ? event.data.length : (event.data as ArrayBuffer).byteLength);
  return {
    send: (payload) => ws.send(payload as Uint8Array<ArrayBuffer> | string),
    close: () => ws.close(),
    extensions: ws.extensions,
  };
});
