// Deno's own server: Deno.serve and Deno.upgradeWebSocket, echoing every message as it came (a string
// as text, an ArrayBuffer as binary); Deno's server has no permessage-deflate; no idle pings (a ping
// would reach the floor driver as an echo of the wrong size).
import { announce, controlled, serverArgs } from './common.ts';

const args = await serverArgs();
let listening!: (port: number) => void;
const port = new Promise<number>((resolve) => (listening = resolve));
const handler = (request: Request): Response => {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
    return new Response('a WebSocket echo server', { status: 426 });
  const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
  socket.binaryType = 'arraybuffer';
  socket.onmessage = (event) => socket.send(event.data);
  socket.onerror = () => {};
  return response;
};
const onListen = (address: Deno.NetAddr) => listening(address.port);
const server = args.tls
  ? Deno.serve({ hostname: args.host, port: 0, cert: args.tls.cert, key: args.tls.key, onListen }, handler)
  : Deno.serve({ hostname: args.host, port: 0, onListen }, handler);
announce(args, await port);
controlled(args, () => server.shutdown());
