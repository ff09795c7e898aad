// The floor server on Deno, plain: Deno.listen, one read buffer per connection and a read loop scanning
// frames; writes chained in order. See floor.ts. Over TLS Deno's floor is floor-node.ts on node:tls, as ours
// (a Deno.TlsConn cannot turn Nagle off: runtimes/node-sockets.ts).
import { announce, controlled, serverArgs } from './common.ts';
import { FloorConnection } from './floor.ts';

const args = await serverArgs();
if (args.tls) throw new Error('floor.deno.ts is plain only: over TLS, run floor-node.ts');
const listener = Deno.listen({ hostname: args.host, port: 0 });
const conns = new Set<Deno.TcpConn>();

async function serve(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  conns.add(conn);
  let writing = Promise.resolve();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    conns.delete(conn);
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  const floor = new FloorConnection(
    (bytes) => {
      writing = writing
        .then(async () => {
          for (let at = 0; at < bytes.length; ) at += await conn.write(bytes.subarray(at));
        })
        .catch(close);
    },
    () => {
      writing = writing.then(close);
    },
  );
  // The read buffer starts small and doubles, up to 64 KiB, each time a read fills it: an idle
  // connection holds 2 KiB, not 64 (a pending read needs its own buffer: they cannot share one).
  let buffer = new Uint8Array(2048);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      floor.push(buffer, 0, n);
      if (n === buffer.length && n < 65536) buffer = new Uint8Array(n * 2);
    }
  } catch {
    // reset, or closed by us
  }
  await writing;
  close();
}

announce(args, (listener.addr as Deno.NetAddr).port);
controlled(args, () => {
  listener.close();
  for (const conn of [...conns]) conn.close();
});
for await (const conn of listener) void serve(conn);
