// The I/O floor on Bun: Bun.connect (TLS through its `tls` option), its data handler counting frames.
import { FrameCounter, floorTarget } from './floor.ts';
import { runLoop } from './loop.ts';

const { args, secure, host, port, ca, request, frame } = await floorTarget();
await runLoop(args, async (onEcho) => {
  const counter = new FrameCounter(onEcho);
  // What the kernel did not take: Bun's write() does not buffer.
  let pending: Uint8Array | null = null;
  const socket = await new Promise<Bun.Socket<undefined>>((resolve, reject) => {
    Bun.connect({
      hostname: host,
      port,
      tls: secure ? { ca, serverName: host } : undefined,
      socket: {
        open: (s) => (secure ? undefined : resolve(s)),
        handshake: (s, ok, error) => (ok ? resolve(s) : reject(error)),
        data: (_s, data) => counter.push(data, 0, data.length),
        drain: (s) => {
          if (pending === null) return;
          const n = s.write(pending);
          pending = n < pending.length ? pending.subarray(Math.max(n, 0)) : null;
        },
        connectError: (_s, error) => reject(error),
        error: (_s, error) => reject(error),
      },
    }).catch(reject);
  });
  socket.setNoDelay(true);
  const write = (bytes: Uint8Array) => {
    const n = socket.write(bytes);
    if (n < bytes.length) pending = bytes.subarray(Math.max(n, 0));
  };
  write(request);
  return { send: () => write(frame), close: () => socket.terminate(), extensions: '' };
});
