// Ours: the low-latency API (`--api connect`) or the WebSocket class (`--api class`), on whichever
// runtime runs this file, from the built package (bench/package.ts); `--backend as|c` picks the codec.
import { clientArgs, readText, runLoop } from './loop.ts';
import type { ClientOptions } from '../../src/api.ts';
import { loadPackage } from '../package.ts';

const mod = await loadPackage();

const args = clientArgs();
// permessage-deflate as users get it: offered by default (the server accepts it only with --deflate).
const options: ClientOptions = { backend: args.backend as 'as' | 'c', maxMessage: 64 * 1024 * 1024 };
if (args.ca) options.ca = await readText(args.ca);

await runLoop(args, async (onEcho) => {
  if (args.api === 'class') {
    const ws = new mod.WebSocket(args.url, [], options);
    ws.binaryType = 'arraybuffer';
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = (event) => reject((event as unknown as { error: Error }).error);
    });
    ws.onmessage = (event) =>
      onEcho(typeof event.data === 'string' ? event.data.length : (event.data as ArrayBuffer).byteLength);
    return { send: (payload) => ws.send(payload), close: () => ws.close(), extensions: ws.extensions };
  }
  const conn = await mod.connect(args.url, { onMessage: (data) => onEcho(data.length) }, options);
  return {
    send: (payload) => (typeof payload === 'string' ? conn.sendText(payload) : conn.send(payload)),
    close: () => conn.close(1000),
    extensions: conn.extensions,
  };
});
