// The floor server on Node, and on Deno over TLS: node:net (node:tls for TLS), TCP_NODELAY. A plain
// server reads with `onread` into one buffer, as ours does on Node (runtimes/node-sockets.ts: Node gives a
// server's sockets no `onread`, so the accepted socket's handle moves to a socket made with one); node:tls
// takes none for a server's sockets, which read with 'data' events. See floor.ts.
import net from 'node:net';
import tls from 'node:tls';
import { announce, controlled, serverArgs } from './common.ts';
import { FloorConnection } from './floor.ts';

const args = await serverArgs();
const sockets = new Set<net.Socket>();
// Every plain socket reads into this: each read is scanned before the next one comes.
const readBuffer = new Uint8Array(64 * 1024);

function track(socket: net.Socket): FloorConnection {
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
  return new FloorConnection(
    (bytes) => void socket.write(bytes),
    () => socket.end(),
  );
}

const serveTls = (socket: net.Socket): void => {
  const conn = track(socket);
  socket.on('data', (chunk: Buffer) => conn.push(chunk, 0, chunk.length));
};

const servePlain = (accepted: net.Socket): void => {
  const holder = accepted as unknown as { _handle: unknown };
  const handle = holder._handle;
  holder._handle = null;
  accepted.destroy();
  let conn: FloorConnection | null = null;
  const socket = new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: readBuffer,
      callback: (n: number) => {
        conn?.push(readBuffer, 0, n);
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  conn = track(socket);
};

const server = args.tls
  ? tls.createServer({ cert: args.tls.cert, key: args.tls.key }, serveTls)
  : net.createServer({ noDelay: true, pauseOnConnect: true }, servePlain);
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, args.host, () => resolve());
});
announce(args, (server.address() as net.AddressInfo).port);
controlled(
  args,
  () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
);
