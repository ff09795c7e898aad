// The opening handshake (RFC 6455 §4.1): the client's request, and the checks on the server's answer.
import { latin1, latin1Bytes } from '../bytes.ts';
import type { Endpoint } from './url.ts';
import { type HandshakeResponse, WebSocketError } from './errors.ts';
import { addField, hasToken, headersProblem, isToken } from './headers.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD = 16 * 1024;

export function createKey(): string {
  // apply() takes the array as it is: a spread would run its iterator.
  return btoa(String.fromCharCode.apply(null, crypto.getRandomValues(new Uint8Array(16)) as unknown as number[]));
}

/** base64(SHA-1(text)) for Latin-1 text: the runtime's (Platform.sha1Base64). */
export type Sha1Base64 = (text: string) => string;

/** The Sec-WebSocket-Accept that answers `key` (RFC 6455 §4.2.2, item 5.4). */
export function acceptFor(key: string, sha1Base64: Sha1Base64): string {
  return sha1Base64(key + GUID);
}

/** Why a list of subprotocols cannot be offered, or null when it can. */
export function protocolsProblem(protocols: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const p of protocols) {
    if (!isToken(p)) return `Invalid subprotocol "${p}"`;
    if (seen.has(p)) return `Duplicate subprotocol "${p}"`;
    seen.add(p);
  }
  return null;
}

/** The request head, as Latin-1 bytes (headers were checked by validateOptions before connecting). */
export function buildRequest(
  endpoint: Endpoint,
  key: string,
  protocols: readonly string[],
  headers: Readonly<Record<string, string>>,
  extensions = '',
): Uint8Array {
  const lines = [
    `GET ${endpoint.resource} HTTP/1.1`,
    `Host: ${endpoint.hostHeader}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${protocols.join(', ')}`);
  if (extensions !== '') lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  const problem = headersProblem(headers);
  if (problem) throw new TypeError(problem);
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  if (endpoint.authorization !== null && !names.includes('authorization'))
    lines.push(`Authorization: ${endpoint.authorization}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return latin1Bytes(`${lines.join('\r\n')}\r\n\r\n`);
}

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Lower-cased names (own properties); repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Bytes of the head, including the blank line: what follows are frames. */
  length: number;
}

/** Parses the response head once it is complete; null while it is not. */
export function parseResponseHead(bytes: Uint8Array): ResponseHead | null {
  let end = -1;
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) {
    if (bytes.length > MAX_HEAD) {
      throw new WebSocketError('ERR_HANDSHAKE', `Handshake response head exceeds ${MAX_HEAD} bytes`);
    }
    return null;
  }
  const text = latin1.decode(bytes.subarray(0, end - 4));
  const lines = text.split('\r\n');
  const statusLine = lines[0];
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match)
    throw new WebSocketError('ERR_HANDSHAKE', `Invalid HTTP status line: ${JSON.stringify(statusLine.slice(0, 100))}`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new WebSocketError('ERR_HANDSHAKE', `Invalid HTTP header line: ${JSON.stringify(line.slice(0, 100))}`);
    addField(headers, line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(match[1]), statusText: match[2] ?? '', headers, length: end };
}

/** The head as users see it: status line and headers, and the body of a refusal. */
export function handshakeResponse(head: ResponseHead, body?: Uint8Array): HandshakeResponse {
  const response: HandshakeResponse = {
    status: head.status,
    statusText: head.statusText,
    headers: head.headers,
  };
  if (body !== undefined) response.body = new TextDecoder().decode(body);
  return response;
}

/** A response other than 101: ERR_HANDSHAKE_STATUS with its status, headers and the start of its body. */
export function refusal(head: ResponseHead, body: Uint8Array): WebSocketError {
  const response = handshakeResponse(head, body);
  const reason = response.body ? `: ${response.body.slice(0, 200).trim()}` : '';
  return new WebSocketError(
    'ERR_HANDSHAKE_STATUS',
    `Unexpected server response: ${head.status}${head.statusText ? ` ${head.statusText}` : ''} (expected 101 Switching Protocols)${reason}`,
    { status: head.status, response },
  );
}

/**
 * Checks a 101 against RFC 6455 §4.1; returns the chosen subprotocol and the extensions header as sent
 * (the caller checks it against its offer).
 */
export function verifyResponse(
  head: ResponseHead,
  expectedAccept: string,
  protocols: readonly string[],
): { protocol: string; extensions: string } {
  const h = head.headers;
  if (!hasToken(h.upgrade, 'websocket')) {
    throw new WebSocketError(
      'ERR_HANDSHAKE',
      `Invalid Upgrade header: ${JSON.stringify(h.upgrade ?? null)} (expected "websocket")`,
    );
  }
  if (!hasToken(h.connection, 'upgrade')) {
    throw new WebSocketError(
      'ERR_HANDSHAKE',
      `Invalid Connection header: ${JSON.stringify(h.connection ?? null)} (expected "Upgrade")`,
    );
  }
  const accept = h['sec-websocket-accept'];
  if (accept !== expectedAccept) {
    throw new WebSocketError(
      'ERR_HANDSHAKE',
      `Invalid Sec-WebSocket-Accept: ${JSON.stringify(accept ?? null)} (expected ${JSON.stringify(expectedAccept)})`,
    );
  }
  const protocol = h['sec-websocket-protocol'] ?? '';
  if (protocol !== '' && !protocols.includes(protocol)) {
    throw new WebSocketError('ERR_HANDSHAKE', `Server chose subprotocol "${protocol}", which was not offered`);
  }
  if (protocol === '' && protocols.length > 0) {
    throw new WebSocketError(
      'ERR_HANDSHAKE',
      `Server chose none of the offered subprotocols (${protocols.join(', ')})`,
    );
  }
  return { protocol, extensions: h['sec-websocket-extensions'] ?? '' };
}
