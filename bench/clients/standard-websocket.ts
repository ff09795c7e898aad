// The loop over a WHATWG WebSocket class: the runtime's own (native.ts) or undici's from npm (undici.ts).
import { clientArgs, runLoop } from './loop.ts';

export async function runStandardWebSocket(name: string, Socket: typeof WebSocket): Promise<void> {
  const args = clientArgs();
  await runLoop(args, async (onEcho) => {
    const ws = new Socket(args.url);
    ws.binaryType = 'arraybuffer';
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`${name} failed to connect to ${args.url}`));
    });
    ws.onmessage = (event) =>
      onEcho(typeof event.data === 'string' ? event.data.length : (event.data as ArrayBuffer).byteLength);
    return {
      send: (payload) => ws.send(payload as Uint8Array<ArrayBuffer> | string),
      close: () => ws.close(),
      extensions: ws.extensions,
    };
  });
}
