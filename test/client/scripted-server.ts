// A raw TCP WebSocket server whose behaviour the request path picks, for the client tests. It runs in
// the parent test process (Node); scenarios in any runtime drive it by URL and read what it saw on the
// wire with `GET /result?id=…` (JSON). It parses what clients send with an independent parser (ws's
// Receiver, see conformance/server/frame-reader.ts), so a client frame that is not masked or is
// otherwise broken shows up as `error`, whatever the project's own codec thinks of it.
//
// Paths (all take `id=` to name the connection for /result):
//   /ws            a valid handshake, then: echo=1 echoes messages; frames=<hex> sends raw bytes after the
//                  101 (withHead=1: in the same write as the 101); protocol=<p> / extensions=<e> add those
//                  headers; noread=1 never reads after the handshake; pause=<ms> stops reading for a while;
//                  noCloseReply=1 does not answer a close frame; closeInFrames=1 says `frames` holds a close;
//                  nopong=1 does not answer pings;
//                  flood=<n>&size=<s> then sends n binary messages of s bytes (message i: i as 4 bytes,
//                  big-endian, then bytes i & 255), writing only as fast as the socket takes them;
//                  bomb=<n> then sends one compressed (RSV1) binary message that inflates to n zero bytes;
//                  with extensions=permessage-deflate…, compressed client messages are read as ws reads them.
//   /status?code=N answers N with a small body (body=<text>, chunked=1) and closes (hold=1: the body
//                  100 ms after the head, and the socket left open).
//   /redirect?to=<Location>&code=30x   a redirect, with an empty body.
//   /bad-accept, /no-upgrade, /no-connection, /close-mid-header, /silent (never answers), /garbage
//   /result?id=X   JSON: what connection X sent (see Record).
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type net from 'node:net';
import { FrameReader, type ClientFrame } from '../../conformance/server/frame-reader.ts';
import { httpReply, rawHttpServer } from '../../conformance/server/raw-http.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface Record {
  /** Request line and lower-cased headers of the opening handshake. */
  requestLine: string;
  headers: { [name: string]: string };
  /** Every frame event the client sent, in order. */
  events: {
    type: 'message' | 'ping' | 'pong' | 'close';
    isText?: boolean;
    length?: number;
    text?: string;
    hex?: string;
    code?: number;
    reason?: string;
  }[];
  /** ws's error code (e.g. WS_ERR_EXPECTED_MASK) when the client sent something broken. */
  error: string | null;
  /** The client ended or closed the TCP connection. */
  ended: boolean;
  /** Bytes received after the handshake (including those of frames that were not parsed). */
  bytes: number;
  /** flood=: the messages handed to the socket so far (it takes more only as the client reads). */
  flooded: number;
}

export interface ScriptedServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function record(): Record {
  return { requestLine: '', headers: {}, events: [], error: null, ended: false, bytes: 0, flooded: 0 };
}

/** A server frame (unmasked). */
export function serverFrame(b0: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([b0, n]) : n < 65536 ? Buffer.from([b0, 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65536) {
    head[0] = b0;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

function closePayload(code: number, reason: string): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const records = new Map<string, Record>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const server = rawHttpServer((socket, head) => {
    socket.resume();
    route(socket, head.requestLine, head.headers, head.rest);
  });

  function route(socket: net.Socket, requestLine: string, headers: { [name: string]: string }, rest: Buffer): void {
    const target = new URL(requestLine.split(' ')[1] ?? '/', 'http://x');
    const q = target.searchParams;
    const id = q.get('id') ?? '';
    if (target.pathname === '/result') {
      const body = JSON.stringify(records.get(id) ?? null);
      httpReply(socket, '200 OK', body, 'application/json');
      return;
    }
    const rec = record();
    rec.requestLine = requestLine;
    rec.headers = headers;
    if (id) records.set(id, rec);
    socket.on('close', () => (rec.ended = true));
    const accept = createHash('sha1')
      .update((headers['sec-websocket-key'] ?? '') + GUID)
      .digest('base64');
    const upgradeHead = (
      extra: string[] = [],
      opts: { upgrade?: boolean; connection?: boolean; accept?: string } = {},
    ) =>
      `${[
        'HTTP/1.1 101 Switching Protocols',
        ...(opts.upgrade === false ? [] : ['Upgrade: websocket']),
        ...(opts.connection === false ? [] : ['Connection: Upgrade']),
        `Sec-WebSocket-Accept: ${opts.accept ?? accept}`,
        ...extra,
      ].join('\r\n')}\r\n\r\n`;

    switch (target.pathname) {
      case '/status': {
        const code = Number(q.get('code') ?? 200);
        const body = q.get('body') ?? 'not a websocket';
        const chunked = q.get('chunked') === '1';
        const head = `HTTP/1.1 ${code} Whatever\r\nX-Reason: scripted\r\n${
          chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${Buffer.byteLength(body)}`
        }\r\n\r\n`;
        const payload = chunked
          ? `${Buffer.byteLength(body.slice(0, 5)).toString(16)}\r\n${body.slice(0, 5)}\r\n${Buffer.byteLength(body.slice(5)).toString(16)}\r\n${body.slice(5)}\r\n0\r\n\r\n`
          : body;
        // hold=1: the body comes 100 ms after the head, and the socket stays open.
        if (q.get('hold') === '1') {
          socket.write(head);
          later(100, () => socket.write(payload));
        } else socket.end(head + payload);
        return;
      }
      case '/redirect': {
        // A redirect (code=30x, default 302) to `to`, with an empty body.
        const code = Number(q.get('code') ?? 302);
        socket.end(`HTTP/1.1 ${code} Moved\r\nLocation: ${q.get('to') ?? '/'}\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      case '/bad-accept':
        socket.write(upgradeHead([], { accept: createHash('sha1').update('wrong').digest('base64') }));
        return;
      case '/no-upgrade':
        socket.write(upgradeHead([], { upgrade: false }));
        return;
      case '/no-connection':
        socket.write(upgradeHead([], { connection: false }));
        return;
      case '/close-mid-header':
        socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConn');
        return;
      case '/garbage':
        socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n');
        return;
      case '/silent':
        return; // holds the connection open and never answers
      case '/ws':
        break;
      default:
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
    }

    const extra: string[] = [];
    if (q.get('protocol')) extra.push(`Sec-WebSocket-Protocol: ${q.get('protocol')}`);
    if (q.get('extensions')) extra.push(`Sec-WebSocket-Extensions: ${q.get('extensions')}`);
    const frames = Buffer.from(q.get('frames') ?? '', 'hex');
    if (q.get('withHead') === '1') socket.write(Buffer.concat([Buffer.from(upgradeHead(extra)), frames]));
    else {
      socket.write(upgradeHead(extra));
      if (frames.length > 0) socket.write(frames);
    }
    const bomb = Number(q.get('bomb') ?? 0);
    if (bomb > 0) {
      const deflated = zlib.deflateRawSync(Buffer.alloc(bomb), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      socket.write(serverFrame(0xc2, deflated.subarray(0, deflated.length - 4)));
    }

    const flood = Number(q.get('flood') ?? 0);
    if (flood > 0) {
      const size = Number(q.get('size') ?? 1024);
      const next = () => {
        while (rec.flooded < flood && !socket.destroyed) {
          const payload = Buffer.alloc(size, rec.flooded & 255);
          payload.writeUInt32BE(rec.flooded, 0);
          rec.flooded++;
          if (!socket.write(serverFrame(0x82, payload))) {
            socket.once('drain', next);
            return;
          }
        }
      };
      next();
    }

    const echo = q.get('echo') === '1';
    // closeInFrames=1: the scripted frames include a close, so a close from the client is its answer.
    let closeSent = q.get('closeInFrames') === '1';
    const onFrame = (f: ClientFrame) => {
      switch (f.type) {
        case 'error':
          rec.error = f.kind;
          socket.destroy();
          return;
        case 'message':
          rec.events.push({
            type: 'message',
            isText: f.text,
            length: f.data.length,
            ...(f.data.length <= 256
              ? { hex: f.data.toString('hex'), text: f.text ? f.data.toString('utf8') : undefined }
              : {}),
          });
          if (echo) socket.write(serverFrame(0x80 | (f.text ? 1 : 2), f.data));
          return;
        case 'ping':
        case 'pong':
          rec.events.push({ type: f.type, hex: f.data.toString('hex') });
          if (f.type === 'ping' && q.get('nopong') !== '1') socket.write(serverFrame(0x8a, f.data));
          return;
        case 'close': {
          const { code, reason } = f;
          rec.events.push({ type: 'close', code, reason });
          if (q.get('noCloseReply') === '1') return;
          if (!closeSent) {
            closeSent = true;
            socket.write(serverFrame(0x88, code === 1005 ? new Uint8Array(0) : closePayload(code, reason)));
          }
          socket.end();
        }
      }
    };
    const reader = new FrameReader(onFrame, 256 * 1024 * 1024, q.get('extensions') ?? '');
    const onData = (chunk: Buffer) => {
      rec.bytes += chunk.length;
      reader.push(chunk);
    };
    socket.on('end', () => {
      rec.ended = true;
      socket.end();
    });
    if (q.get('noread') === '1') {
      socket.pause();
      return;
    }
    const pause = Number(q.get('pause') ?? 0);
    const startReading = () => {
      if (rest.length > 0) onData(rest);
      socket.on('data', onData);
    };
    if (pause > 0) {
      socket.pause();
      later(pause, () => {
        startReading();
        socket.resume();
      });
    } else startReading();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Both loopbacks: 127.0.0.1 for most scenarios, [::1] for the IPv6-literal one.
    server.listen({ port: 0, host: '::', ipv6Only: false }, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    async stop() {
      for (const t of timers) clearTimeout(t);
      server.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
