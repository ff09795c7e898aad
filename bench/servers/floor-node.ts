// The floor server on Node, and on Deno over TLS: node:net (node:tls for TLS), 'data' events (a server
// socket takes no `onread`), TCP_NODELAY. See floor.ts.
import net from 'node:net';
import tls from 'node:tls';
import { announce, controlled, serverArgs } from './common.ts';
import { FloorConnection } from './floor.ts';

const args = await serverArgs();
const sockets = new Set<net.Socket>();
const serve = (socket: net.Socket): void => {
  socket.setNoDelay(true);
  sockets.add(socket);
  const conn = new FloorConnection(
    (bytes) => void socket.write(bytes),
    () => socket.end(),
  );
  socket.on('data', (chunk: Buffer) => conn.push(chunk, 0, chunk.length));
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
};
const server = args.tls
  ? tls.createServer({ cert: args.tls.cert, key: args.tls.key }, serve)
  : net.createServer({ noDelay: true }, serve);
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
