// The opening handshake's server side (RFC 6455 §4.2): the request head parsed (RFC 9112 §2-5, within
// limits), checked, and answered with a 101 or a refusal that says why. Knows nothing of sockets.
import { latin1, latin1Bytes } from '../bytes.ts';
import { addField, hasToken, isToken } from '../protocol/headers.ts';

/** The upgrade request, as onOpen and the server's callbacks see it. */
export interface UpgradeRequest {
  method: string;
  /** The request target: path and query ("/chat?room=1"). */
  url: string;
  /** Lower-cased names (own properties of a plain object, as Node's); a header sent more than once is joined with ", ". */
  headers: Record<string, string>;
  /** The subprotocols the client offered (Sec-WebSocket-Protocol), in its order. */
  protocols: string[];
  /** The Origin header, if sent. */
  origin: string | undefined;
  remoteAddress: string;
  remotePort: number;
}

/** A request that is not answered with a 101: the status, a reason for the body, and extra headers. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
    this.name = 'Refusal';
  }
}

/** The longest request head read (RFC 9110 leaves it to the server; Node's http takes 16 KiB). */
export const MAX_REQUEST_HEAD = 16 * 1024;
const MAX_HEADERS = 100;
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};
// field-value: VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/; // base64 of 16 bytes (RFC 6455 §4.1, item 7)

/** Where the head ends (after its blank line), or -1 while it has not; a Refusal when it is too long. */
export function headEnd(bytes: Uint8Array, length: number): number {
  const limit = Math.min(length, MAX_REQUEST_HEAD);
  for (let i = 3; i < limit; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i + 1;
  }
  if (length > MAX_REQUEST_HEAD) throw new Refusal(431, `The request head exceeds ${MAX_REQUEST_HEAD} bytes`);
  return -1;
}

/** The head's request line and headers, without the blank line. */
export interface ParsedHead {
  method: string;
  target: string;
  /** "1.1", as the request line has it. */
  version: string;
  /** Lower-cased names, own properties of a plain object: the request's headers as callbacks get them. */
  headers: Record<string, string>;
}

/** Parses a complete request head (`head` ends with its CRLF CRLF); a Refusal (400, 405, 431, 505) when it is bad. */
export function parseRequestHead(head: Uint8Array): ParsedHead {
  const text = latin1.decode(head.subarray(0, head.length - 4));
  const lines = text.split('\r\n');
  const requestLine = lines[0];
  const match = REQUEST_LINE.exec(requestLine);
  if (!match) throw new Refusal(400, `Invalid request line: ${JSON.stringify(requestLine.slice(0, 100))}`);
  const [, method, target, major, minor] = match;
  if (lines.length - 1 > MAX_HEADERS) throw new Refusal(431, `More than ${MAX_HEADERS} header fields`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // No space before the colon (RFC 9112 §5.1), no obsolete line folding (§5.2).
    if (!isToken(name)) throw new Refusal(400, `Invalid header line: ${JSON.stringify(line.slice(0, 100))}`);
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new Refusal(400, `Invalid characters in the ${name} header`);
    const lower = name.toLowerCase();
    if (lower === 'host' && headers.host !== undefined) throw new Refusal(400, 'More than one Host header');
    addField(headers, lower, value);
  }
  return { method, target, version: `${major}.${minor}`, headers };
}

/** The offered subprotocols: a comma-separated list of distinct tokens (RFC 6455 §4.1, item 10). */
function offeredProtocols(value: string | undefined): string[] {
  if (value === undefined) return [];
  const protocols = value.split(',').map((p) => p.trim());
  for (const p of protocols) {
    if (!isToken(p))
      throw new Refusal(400, `Invalid Sec-WebSocket-Protocol header: ${JSON.stringify(value.slice(0, 100))}`);
  }
  if (new Set(protocols).size !== protocols.length) throw new Refusal(400, 'A subprotocol is offered twice');
  return protocols;
}

/** Checks the handshake's own headers (RFC 6455 §4.2.1); returns its key and the request as callbacks see it. */
export function checkUpgrade(
  head: ParsedHead,
  peer: { remoteAddress: string; remotePort: number },
): { key: string; request: UpgradeRequest } {
  if (head.method !== 'GET') {
    throw new Refusal(405, `A WebSocket handshake is a GET request (RFC 6455 §4.1), got ${head.method}`, {
      Allow: 'GET',
    });
  }
  if (!/^1\.[1-9]$/.test(head.version)) {
    throw new Refusal(505, `A WebSocket handshake needs HTTP/1.1 (RFC 6455 §4.1), got HTTP/${head.version}`);
  }
  const h = head.headers;
  if (h.host === undefined) throw new Refusal(400, 'The request has no Host header');
  if (!hasToken(h.upgrade, 'websocket')) {
    throw new Refusal(426, 'This is a WebSocket endpoint: the request needs "Upgrade: websocket"', {
      Upgrade: 'websocket',
      Connection: 'Upgrade',
    });
  }
  if (!hasToken(h.connection, 'upgrade')) throw new Refusal(400, 'The request needs "Connection: Upgrade"');
  const version = h['sec-websocket-version'];
  if (version !== '13') {
    throw new Refusal(
      426,
      version === undefined
        ? 'The request has no Sec-WebSocket-Version header'
        : `Unsupported Sec-WebSocket-Version ${JSON.stringify(version.slice(0, 20))}: this server speaks 13`,
      { 'Sec-WebSocket-Version': '13' },
    );
  }
  const key = h['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) {
    throw new Refusal(400, 'Missing or invalid Sec-WebSocket-Key header (base64 of 16 bytes)');
  }
  return {
    key,
    request: {
      method: head.method,
      url: head.target,
      headers: h,
      protocols: offeredProtocols(h['sec-websocket-protocol']),
      origin: h.origin,
      remoteAddress: peer.remoteAddress,
      remotePort: peer.remotePort,
    },
  };
}

/** The 101 (RFC 6455 §4.2.2, item 5). */
export function switchingProtocols(accept: string, protocol: string, extensions: string): Uint8Array {
  let head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n`;
  if (protocol !== '') head += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  if (extensions !== '') head += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  return latin1Bytes(`${head}\r\n`);
}

/** A refusal's response: its status, the reason as a text body, and Connection: close. */
export function refusalResponse(refusal: Refusal): Uint8Array {
  const body = new TextEncoder().encode(refusal.message);
  let head = `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? 'Error'}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(refusal.headers)) head += `${name}: ${value}\r\n`;
  head += `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`;
  const out = new Uint8Array(head.length + body.length);
  out.set(latin1Bytes(head));
  out.set(body, head.length);
  return out;
}
