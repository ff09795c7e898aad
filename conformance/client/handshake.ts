// The fuzzing client's opening handshake (RFC 6455 §4.1), over a raw TCP socket so that what follows can
// be any bytes: the request, with a permessage-deflate offer when the case makes one (as Autobahn's
// client offers it), and the checks a client makes of the response — 101, Upgrade, Connection,
// Sec-WebSocket-Accept, no extension or subprotocol it did not offer, and a permessage-deflate response
// that is valid for the offer (RFC 7692 §7). A response that fails them is the server's fault: the case
// is FAILED with the reason. Independent of the project, as the judge is: node: built-ins and ws only.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { parseExtensions } from '../server/frame-reader.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD = 16 * 1024;

/** The server answered the opening handshake in a way a client must refuse (or not at all). */
export class HandshakeError extends Error {}

export interface Handshake {
  /** Connected, the response read; paused, with an error listener (a reset after a failure is normal). */
  socket: net.Socket;
  /** The response's status line and headers (names lower-cased). */
  statusLine: string;
  headers: Record<string, string>;
  /** Bytes that came after the response head: the server's first frames. */
  rest: Buffer;
  /** The response's Sec-WebSocket-Extensions ('' for none). */
  extensions: string;
  /**
   * The permessage-deflate parameters the fuzzing client applies ('' for none): the response's, plus
   * what the offer promised of the client's side (its window, no context takeover) that the response
   * did not repeat: the offer binds the client either way (RFC 7692 §7.1.1.2, §7.1.2.2).
   */
  agreed: string;
}

export interface HandshakeOptions {
  host: string;
  port: number;
  /** Request target (default '/'). */
  path?: string;
  /** Sec-WebSocket-Extensions to offer (default: none). */
  offer?: string;
  /** Milliseconds for the connection and the whole response head (default 10000). */
  timeout?: number;
}

/** Connects and runs the opening handshake; rejects with a HandshakeError when the server gets it wrong. */
export function openingHandshake(options: HandshakeOptions): Promise<Handshake> {
  const { host, port, offer = '', timeout = 10_000 } = options;
  const key = randomBytes(16).toString('base64');
  return new Promise<Handshake>((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(new HandshakeError(message));
    };
    const timer = setTimeout(() => fail(`no complete response within ${timeout} ms`), timeout);
    socket.on('error', (error) => fail(`the connection failed: ${error.message}`));
    socket.on('close', () => fail('the server closed the connection before a complete response'));
    socket.on('connect', () => {
      socket.write(
        `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: ${host.includes(':') ? `[${host}]` : host}:${port}\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          (offer ? `Sec-WebSocket-Extensions: ${offer}\r\n` : '') +
          'User-Agent: wasm-ws-conformance-fuzzing-client\r\n\r\n',
      );
    });
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(`the response head is larger than ${MAX_HEAD} bytes`);
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const [statusLine, ...lines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const problem = checkResponse(statusLine, headers, key);
      if (problem) return fail(problem);
      const extensions = headers['sec-websocket-extensions'] ?? '';
      const deflate = checkDeflateResponse(offer, extensions);
      if ('problem' in deflate) return fail(deflate.problem);
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      socket.on('error', () => {});
      resolve({ socket, statusLine, headers, rest: head.subarray(end + 4), extensions, agreed: deflate.agreed });
    };
    socket.on('data', onData);
  });
}

/** What a client must check of a response (RFC 6455 §4.1, the list after "the client MUST validate"). */
function checkResponse(statusLine: string, headers: Record<string, string>, key: string): string | null {
  if (!/^HTTP\/1\.1 101\b/.test(statusLine)) return `the server answered ${JSON.stringify(statusLine)}, not 101`;
  if (!/^websocket$/i.test(headers.upgrade ?? ''))
    return `the response's Upgrade is ${JSON.stringify(headers.upgrade ?? null)}, not "websocket"`;
  if (!(headers.connection ?? '').split(',').some((t) => t.trim().toLowerCase() === 'upgrade'))
    return `the response's Connection is ${JSON.stringify(headers.connection ?? null)}, without "Upgrade"`;
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  if (headers['sec-websocket-accept'] !== accept)
    return `the response's Sec-WebSocket-Accept is ${JSON.stringify(headers['sec-websocket-accept'] ?? null)}, expected ${accept}`;
  if (headers['sec-websocket-protocol'] !== undefined)
    return `the response names a subprotocol (${headers['sec-websocket-protocol']}) though none was offered`;
  return null;
}

type Params = Record<string, (string | true)[]>;

/** A window-bits value: 8 to 15, digits only. */
const bits = (value: string | true | undefined): number | null =>
  typeof value === 'string' && /^\d{1,2}$/.test(value) && Number(value) >= 8 && Number(value) <= 15
    ? Number(value)
    : null;

/**
 * Whether `response` is a valid answer to `offer` (RFC 7692 §5, §7.1): the parameters the client may
 * apply, or what is wrong. An empty response declines the offer, which a server may always do.
 */
export function checkDeflateResponse(offer: string, response: string): { agreed: string } | { problem: string } {
  if (!response) return { agreed: '' };
  const bad = (why: string) => ({ problem: `the response's Sec-WebSocket-Extensions (${response}): ${why}` });
  let answered: Record<string, Params[]>;
  try {
    answered = parseExtensions(response);
  } catch (error) {
    return bad(`malformed (${(error as Error).message})`);
  }
  const offered = offer ? parseExtensions(offer)['permessage-deflate'] : undefined;
  const names = Object.keys(answered);
  const other = names.find((n) => n !== 'permessage-deflate' || !offered);
  if (other) return bad(`${other} was not offered`);
  const elements = answered['permessage-deflate'];
  if (elements.length !== 1) return bad('permessage-deflate is answered more than once');
  const params = elements[0];
  for (const [name, values] of Object.entries(params)) {
    if (values.length !== 1) return bad(`${name} is given ${values.length} times`);
    const value = values[0];
    if (name === 'server_no_context_takeover' || name === 'client_no_context_takeover') {
      if (value !== true) return bad(`${name} has a value`);
    } else if (name === 'server_max_window_bits' || name === 'client_max_window_bits') {
      if (bits(value) === null) return bad(`${name}=${value === true ? '(none)' : value} is not a window size (8-15)`);
    } else return bad(`${name} is not a permessage-deflate parameter`);
  }
  // The response answers one of the offers (the first it is valid for).
  const problems: string[] = [];
  for (const o of offered ?? []) {
    const problem = responseProblem(o, params);
    if (problem === null) return { agreed: agreement(o, params) };
    problems.push(problem);
  }
  return bad(problems.join('; '));
}

/** Why `response` cannot answer `offer` (RFC 7692 §7.1.1, §7.1.2), or null. */
function responseProblem(offer: Params, response: Params): string | null {
  if (offer.server_no_context_takeover && !response.server_no_context_takeover)
    return 'server_no_context_takeover was requested and not confirmed (§7.1.1.1)';
  const askedServerBits = bits(offer.server_max_window_bits?.[0]);
  const serverBits = bits(response.server_max_window_bits?.[0]);
  if (askedServerBits !== null && (serverBits === null || serverBits > askedServerBits))
    return `server_max_window_bits=${askedServerBits} was requested, answered ${serverBits ?? 'not at all'} (§7.1.2.1)`;
  if (response.client_max_window_bits) {
    if (!offer.client_max_window_bits) return 'client_max_window_bits was not offered (§7.1.2.2)';
    const offeredBits = bits(offer.client_max_window_bits[0]);
    const clientBits = bits(response.client_max_window_bits[0])!;
    if (offeredBits !== null && clientBits > offeredBits)
      return `client_max_window_bits=${clientBits} is larger than the ${offeredBits} offered (§7.1.2.2)`;
  }
  return null;
}

/** The parameters the client applies: the response's, and its own offer's promises about its side. */
function agreement(offer: Params, response: Params): string {
  let agreed = 'permessage-deflate';
  if (response.server_no_context_takeover) agreed += '; server_no_context_takeover';
  if (response.server_max_window_bits) agreed += `; server_max_window_bits=${response.server_max_window_bits[0]}`;
  if (response.client_no_context_takeover || offer.client_no_context_takeover) agreed += '; client_no_context_takeover';
  const clientBits = bits(response.client_max_window_bits?.[0]) ?? bits(offer.client_max_window_bits?.[0]);
  if (clientBits !== null) agreed += `; client_max_window_bits=${clientBits}`;
  return agreed;
}
