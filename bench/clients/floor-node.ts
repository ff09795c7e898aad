// The I/O floor on Node: node:net and node:tls reading with `onread` into one buffer.
import net from 'node:net';
import tls from 'node:tls';
import { FrameCounter, floorTarget } from './floor.ts';
import { runLoop } from './loop.ts';

const { args, secure, host, port, ca, request, frame } = await floorTarget();
await runLoop(args, async (onEcho) => {
  const counter = new FrameCounter(onEcho);
  const buffer = new Uint8Array(64 * 1024);
  const onread = {
    buffer,
    callback: (n: number) => {
      counter.push(buffer, 0, n);
      return true;
    },
  };
  const socket = secure
    ? tls.connect({ host, port, ca, servername: net.isIP(host) ? undefined : host, onread } as tls.ConnectionOptions)
    : net.connect({ host, port, onread });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once(secure ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(request);
  return { send: () => void socket.write(frame), close: () => socket.destroy(), extensions: '' };
});
