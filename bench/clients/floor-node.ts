// The I/O floor on Node: node:net reading with `onread` into one buffer (node:tls 'data' events for wss).
import net from 'node:net';
import tls from 'node:tls';
import { FrameCounter, floorTarget } from './floor.ts';
import { runLoop } from './loop.ts';

const { args, secure, host, port, ca, request, frame } = await floorTarget();
await runLoop(args, async (onEcho) => {
  const counter = new FrameCounter(onEcho);
  const buffer = new Uint8Array(64 * 1024);
  const socket = secure
    ? tls.connect({ host, port, ca, servername: net.isIP(host) ? undefined : host })
    : net.connect({
        host,
        port,
        onread: {
          buffer,
          callback: (n: number) => {
            counter.push(buffer, 0, n);
            return true;
          },
        },
      });
  socket.setNoDelay(true);
  if (secure) socket.on('data', (chunk: Buffer) => counter.push(chunk, 0, chunk.length));
  await new Promise<void>((resolve, reject) => {
    socket.once(secure ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(request);
  return { send: () => void socket.write(frame), close: () => socket.destroy(), extensions: '' };
});
