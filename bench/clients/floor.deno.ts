// The I/O floor on Deno: Deno.connect (and Deno.startTls for wss), one read buffer, a read loop counting frames.
import { FrameCounter, floorTarget } from './floor.ts';
import { runLoop } from './loop.ts';

const { args, secure, host, port, ca, request, frame } = await floorTarget();
await runLoop(args, async (onEcho) => {
  const counter = new FrameCounter(onEcho);
  // TCP_NODELAY before TLS starts, as our client does (connectTls leaves Nagle on: 40 ms round trips).
  const tcp = await Deno.connect({ hostname: host, port });
  tcp.setNoDelay(true);
  const conn = secure ? await Deno.startTls(tcp, { hostname: host, caCerts: ca ? [ca] : undefined }) : tcp;
  const buffer = new Uint8Array(64 * 1024);
  let closed = false;
  void (async () => {
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        counter.push(buffer, 0, n);
      }
    } catch (error) {
      if (!closed) throw error;
    }
  })();
  // Writes in order: each waits for the one before (one frame is in flight at a time in this loop).
  let writing = Promise.resolve();
  const write = (bytes: Uint8Array) => {
    writing = writing.then(async () => {
      for (let at = 0; at < bytes.length; ) at += await conn.write(bytes.subarray(at));
    });
  };
  write(request);
  return {
    send: () => write(frame),
    close: () => {
      closed = true;
      conn.close();
    },
    extensions: '',
  };
});
