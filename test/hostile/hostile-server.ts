// A WebSocket server that behaves as an attacker would, for the hostile-peer suite. It runs in the test's
// parent process (Node), plain (node:net) and TLS (node:tls) with the same routes, and a "mute" port that
// accepts TCP connections and never says a word (a TLS handshake to it never completes).
//
//   /ws?frames=<hex>&withHead=1&then=…   a valid 101, then the raw `frames` (in the 101's write with
//       withHead=1), then: echo (default: messages echoed with their opcode, pings answered, a pong
//       reported as a text message "pong:<hex>", a close answered), stream (junk bytes, forever, as fast
//       as the client takes them), fragments (continuation frames of a message that never ends, forever),
//       pingflood (stop reading; 125-byte pings forever), pingflood-read (empty pings forever, as fast
//       as the client takes them, its pongs read and dropped), hold (read, never
//       answer anything, close included), reset (drop the connection at once), bomb (one compressed
//       message, RSV1, that inflates to 256 MiB of zeros: about 256 KB on the wire). extensions=<e>
//       adds a Sec-WebSocket-Extensions header to the 101.
//   /headers   a 101, then a text message with the request's headers as JSON, then echo.
//   /silent    reads the request and never answers.
//   /stats     plain HTTP, JSON: connections open now per route, and connections accepted in all.
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { rawHttpServer, httpReply } from '../../conformance/server/raw-http.ts';
import { FrameReader, serverFrame } from './frame-reader.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Streams stop here even if a client never closes: a runaway test ends instead of filling the disk of RAM. */
const STREAM_CAP = 1024 * 1024 * 1024;

let bombPayload: Buffer | null = null;
/** 256 MiB of zeros, deflated with a sync flush and its tail dropped (RFC 7692): made once. */
function bomb(): Buffer {
  if (bombPayload === null) {
    const deflated = zlib.deflateRawSync(Buffer.alloc(256 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    bombPayload = deflated.subarray(0, deflated.length - 4);
  }
  return bombPayload;
}

export interface HostileServer {
  url: string;
  tlsUrl: string;
  /** wss:// URL of the mute port. */
  muteUrl: string;
  stop(): Promise<void>;
}

export interface Stats {
  open: Record<string, number>;
  /** Connections accepted, in all and per path (scenarios run in parallel: check your own path). */
  accepted: number;
  acceptedOn: Record<string, number>;
  /** pingflood-read: pongs received, per connection `id`. */
  pongs: Record<string, number>;
}

export async function startHostileServer(certs: { cert: string; key: string }): Promise<HostileServer> {
  const open: Record<string, number> = {};
  const acceptedOn: Record<string, number> = {};
  const pongs: Record<string, number> = {};
  let accepted = 0;
  const track = (socket: net.Socket, route: string) => {
    open[route] = (open[route] ?? 0) + 1;
    socket.once('close', () => open[route]--);
  };

  const plain = rawHttpServer((socket, head) => {
    const route = head.target.pathname;
    if (route === '/stats') {
      httpReply(
        socket,
        '200 OK',
        JSON.stringify({ open, accepted, acceptedOn, pongs } satisfies Stats),
        'application/json',
      );
      return;
    }
    accepted++;
    acceptedOn[route] = (acceptedOn[route] ?? 0) + 1;
    track(socket, route);
    if (route === '/silent') {
      socket.resume(); // reads (so it sees the client go) and never answers
      return;
    }
    const key = head.headers['sec-websocket-key'] ?? '';
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const q = head.target.searchParams;
    const extensions = q.get('extensions') ? `Sec-WebSocket-Extensions: ${q.get('extensions')}\r\n` : '';
    const upgrade = Buffer.from(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extensions}\r\n`,
    );
    if (route === '/headers') {
      socket.write(Buffer.concat([upgrade, serverFrame(1, Buffer.from(JSON.stringify(head.headers)))]));
      echo(socket, head.rest);
      return;
    }
    if (route !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const frames = Buffer.from(q.get('frames') ?? '', 'hex');
    if (q.get('withHead') === '1') socket.write(Buffer.concat([upgrade, frames]));
    else {
      socket.write(upgrade);
      if (frames.length > 0) socket.write(frames);
    }
    switch (q.get('then') ?? 'echo') {
      case 'stream':
        socket.resume(); // read and drop what the client sends
        pump(socket, () => Buffer.alloc(64 * 1024, 0x41));
        return;
      case 'pingflood': {
        const ping = serverFrame(9, Buffer.alloc(125, 0x70));
        pump(socket, () => Buffer.concat(Array.from({ length: 64 }, () => ping)));
        return; // never resumed: the client's pongs and close pile up
      }
      case 'pingflood-read': {
        // 32768 pings per 64 KiB: each read of the client's is full of them.
        const pings = Buffer.concat(Array.from({ length: 32 * 1024 }, () => serverFrame(9, Buffer.alloc(0))));
        const id = q.get('id') ?? '';
        const reader = new FrameReader();
        socket.on('data', (chunk: Buffer) => {
          for (const f of reader.push(chunk)) if (f.opcode === 10) pongs[id] = (pongs[id] ?? 0) + 1;
        });
        socket.resume();
        pump(socket, () => pings);
        return;
      }
      case 'fragments': {
        // A message that never ends: 64 KiB continuation frames forever (the first frame opened it).
        const fragment = serverFrame(0, Buffer.alloc(64 * 1024, 0x42), false);
        socket.resume();
        pump(socket, () => fragment);
        return;
      }
      case 'hold':
        socket.resume();
        return;
      case 'bomb':
        // One compressed message (RSV1) that inflates to 256 MiB of zeros, then read and drop.
        socket.resume();
        socket.write(serverFrame(0x42, bomb()));
        return;
      case 'reset':
        if (socket instanceof tls.TLSSocket) socket.destroy();
        else socket.resetAndDestroy();
        return;
      default:
        echo(socket, head.rest);
    }
  });

  const secure = tls.createServer({ cert: certs.cert, key: certs.key }, (socket) => plain.emit('connection', socket));
  secure.on('tlsClientError', () => {});
  const muted = new Set<net.Socket>();
  const mute = net.createServer((socket) => {
    muted.add(socket);
    track(socket, 'mute');
    socket.on('error', () => {});
    socket.once('close', () => muted.delete(socket));
    socket.resume(); // reads and drops (so it sees the client go), never writes
  });
  const secureSockets = new Set<net.Socket>();
  secure.on('connection', (socket: net.Socket) => {
    secureSockets.add(socket);
    socket.once('close', () => secureSockets.delete(socket));
  });

  const listen = (server: net.Server) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  const [port, tlsPort, mutePort] = [await listen(plain), await listen(secure), await listen(mute)];
  return {
    url: `ws://127.0.0.1:${port}`,
    tlsUrl: `wss://127.0.0.1:${tlsPort}`,
    muteUrl: `wss://127.0.0.1:${mutePort}`,
    async stop() {
      plain.destroyAll();
      for (const s of [...secureSockets, ...muted]) s.destroy();
      await Promise.all([plain, secure, mute].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** Writes what `next` makes for as long as the socket takes it (respecting backpressure), up to STREAM_CAP. */
function pump(socket: net.Socket, next: () => Buffer): void {
  let sent = 0;
  const go = () => {
    while (!socket.destroyed && sent < STREAM_CAP) {
      const chunk = next();
      sent += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', go);
        return;
      }
    }
  };
  go();
}

/** Echoes messages, answers pings, reports pongs as "pong:<hex>" text messages, answers a close. */
function echo(socket: net.Socket, rest: Buffer): void {
  const reader = new FrameReader();
  let fragments: Buffer[] = [];
  let opcode = 0;
  const onData = (chunk: Buffer) => {
    for (const f of reader.push(chunk)) {
      if (f.opcode === 8) {
        if (!socket.destroyed) socket.end(serverFrame(8, f.payload.subarray(0, 2)));
        return;
      }
      if (f.opcode === 9) socket.write(serverFrame(10, f.payload));
      else if (f.opcode === 10) socket.write(serverFrame(1, Buffer.from(`pong:${f.payload.toString('hex')}`)));
      else {
        if (f.opcode !== 0) opcode = f.opcode;
        fragments.push(f.payload);
        if (f.fin) {
          socket.write(serverFrame(opcode, Buffer.concat(fragments)));
          fragments = [];
        }
      }
    }
  };
  if (rest.length > 0) onData(rest);
  socket.on('data', onData);
  socket.on('end', () => socket.end());
  socket.resume();
}
