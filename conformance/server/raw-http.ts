// A raw TCP server that reads an HTTP request head itself, so that what follows can be anything:
// the conformance fuzzing server and the client tests' scripted server are built on it.
import net from 'node:net';

export interface RequestHead {
  requestLine: string;
  /** Target path and query. */
  target: URL;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Bytes that came after the head. */
  rest: Buffer;
}

const MAX_HEAD = 16 * 1024;

/** Calls `onRequest` with each connection's request head; tracks sockets so close() can end them all. */
export function rawHttpServer(
  onRequest: (socket: net.Socket, head: RequestHead) => void,
): net.Server & { destroyAll(): void } {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) socket.destroy();
        return;
      }
      socket.off('data', onHead);
      socket.pause();
      const [requestLine, ...lines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const target = new URL(requestLine.split(' ')[1] ?? '/', 'http://x');
      onRequest(socket, { requestLine, target, headers, rest: head.subarray(end + 4) });
    };
    socket.on('data', onHead);
  });
  return Object.assign(server, {
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  });
}

export function httpReply(socket: net.Socket, status: string, body: string, type = 'text/plain'): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
