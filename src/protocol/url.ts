// ws:// and wss:// URLs (RFC 6455 §3), with the WHATWG rules: http(s) maps to ws(s), no fragments.
import { WebSocketError } from './errors.ts';

export interface Endpoint {
  url: string;
  secure: boolean;
  /** Host name or IP literal without brackets, for connecting and for TLS SNI. */
  host: string;
  port: number;
  /** Path and query, as sent in the request line. */
  resource: string;
  /** Value of the Host header: brackets around IPv6, the port when it is not the default. */
  hostHeader: string;
  /** The URL without its userinfo: what error messages show. */
  display: string;
  /** `Basic …` from the URL's userinfo (as ws sends it), or null. */
  authorization: string | null;
}

export function parseEndpoint(input: string | URL): Endpoint {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new WebSocketError('ERR_INVALID_URL', `Invalid WebSocket URL: ${redact(String(input))}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WebSocketError(
      'ERR_INVALID_URL',
      `Invalid WebSocket URL scheme "${url.protocol}" in ${redact(url.href)}: use ws: or wss:`,
    );
  }
  if (url.hash !== '' || String(input).includes('#')) {
    throw new WebSocketError('ERR_INVALID_URL', `A WebSocket URL must not have a fragment: ${redact(String(input))}`);
  }
  if (url.hostname === '') {
    throw new WebSocketError('ERR_INVALID_URL', `A WebSocket URL needs a host: ${redact(String(input))}`);
  }
  const secure = url.protocol === 'wss:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const href = url.href;
  let authorization: string | null = null;
  if (url.username !== '' || url.password !== '') {
    authorization = basicCredentials(decodeComponent(url.username), decodeComponent(url.password));
    url.username = '';
    url.password = '';
  }
  return {
    url: href,
    display: url.href,
    authorization,
    secure,
    host,
    port,
    resource: (url.pathname || '/') + url.search,
    hostHeader: url.host,
  };
}

/** The text of a URL with any `user:password@` replaced, for messages. */
function redact(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/** `Basic …` for a user and password (RFC 7617, UTF-8). */
export function basicCredentials(user: string, password: string): string {
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;
}

/** A URL's userinfo component, percent-decoded. */
export function decodeComponent(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component; // a stray `%` the URL parser kept
  }
}
