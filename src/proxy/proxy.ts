// The `proxy` option: a proxy URL (http:, socks5:, socks5h:) or 'env', and which proxy a target goes
// through. 'env' reads the variables the way undici's EnvHttpProxyAgent does (lower case first; for
// wss: https_proxy, then http_proxy; NO_PROXY entries are exact hosts, `.suffix` or `*.suffix`, with
// an optional `:port`, and `*` alone turns proxying off), with ALL_PROXY as the last resort, as curl.
import { decodeComponent, type Endpoint } from '../protocol/url.ts';
import { HttpConnectTunnel } from './http-connect.ts';
import { Socks5Tunnel } from './socks5.ts';
import type { Tunnel } from './tunnel.ts';

export type ProxyScheme = 'http' | 'socks5' | 'socks5h';

export interface ProxyEndpoint {
  scheme: ProxyScheme;
  host: string;
  port: number;
  /** Decoded userinfo; null without credentials. */
  username: string | null;
  password: string | null;
  /** The proxy's URL without credentials: what messages show. */
  display: string;
}

/** Reads an environment variable (the runtime's own API). */
export type EnvReader = (name: string) => string | undefined;

/** The proxy a target goes through, or null for a direct connection. */
export type ProxyChooser = (target: Endpoint) => ProxyEndpoint | null;

const DEFAULT_PORT: Record<ProxyScheme, number> = { http: 80, socks5: 1080, socks5h: 1080 };

/** Parses a proxy URL; a TypeError naming `source` when it is not one this client speaks. */
export function parseProxy(value: string, source: string): ProxyEndpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${source} is not a valid proxy URL (expected http://, socks5:// or socks5h://host:port)`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'socks5' && scheme !== 'socks5h') {
    throw new TypeError(`${source}: unsupported proxy scheme "${url.protocol}" (use http:, socks5: or socks5h:)`);
  }
  if (url.hostname === '') throw new TypeError(`${source}: a proxy URL needs a host`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new TypeError(`${source}: a proxy URL has no path, query or fragment`);
  }
  const username = url.username === '' && url.password === '' ? null : decodeComponent(url.username);
  const password = username === null ? null : decodeComponent(url.password);
  if (scheme !== 'http' && username !== null && (utf8Length(username) > 255 || utf8Length(password ?? '') > 255)) {
    throw new RangeError(`${source}: SOCKS5 credentials are at most 255 bytes each`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    scheme,
    host,
    port: url.port === '' ? DEFAULT_PORT[scheme] : Number(url.port),
    username,
    password,
    display: `${scheme}://${url.host}`,
  };
}

/** What the option asks for: null when it is absent (direct connections). */
export function proxyChooser(option: string | URL | undefined, env: EnvReader): ProxyChooser | null {
  if (option === undefined) return null;
  if (option !== 'env') {
    const proxy = parseProxy(String(option), 'The proxy option');
    return () => proxy;
  }
  const read = (...names: string[]): { name: string; value: string } | null => {
    for (const name of names) {
      const value = env(name);
      if (value) return { name, value };
    }
    return null;
  };
  const parsed = (found: { name: string; value: string } | null) =>
    found === null ? null : parseProxy(found.value, `The ${found.name} environment variable`);
  const all = parsed(read('all_proxy', 'ALL_PROXY'));
  const plain = parsed(read('http_proxy', 'HTTP_PROXY')) ?? all;
  const secure = parsed(read('https_proxy', 'HTTPS_PROXY')) ?? plain;
  const noProxy = read('no_proxy', 'NO_PROXY')?.value ?? '';
  const exempt = noProxyMatcher(noProxy);
  return (target) => (exempt(target.host, target.port) ? null : target.secure ? secure : plain);
}

/** A tunnel to `target` through `proxy`, for one connection attempt. */
export function tunnelTo(proxy: ProxyEndpoint, target: Endpoint): Tunnel {
  return proxy.scheme === 'http'
    ? new HttpConnectTunnel(proxy, target.host, target.port)
    : new Socks5Tunnel(proxy, target.host, target.port);
}

/** NO_PROXY as undici reads it: true when a host (and port) must be reached directly. */
export function noProxyMatcher(value: string): (host: string, port: number) => boolean {
  const entries = value
    .split(/[,\s]/)
    .filter((entry) => entry !== '')
    .map((entry) => {
      const withPort = /^(.+):(\d+)$/.exec(entry);
      let host = (withPort ? withPort[1] : entry).toLowerCase();
      if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
      return { host, port: withPort ? Number(withPort[2]) : 0 };
    });
  if (value.trim() === '*') return () => true;
  return (host, port) => {
    const name = host.toLowerCase();
    return entries.some((entry) => {
      if (entry.port !== 0 && entry.port !== port) return false;
      if (!/^[.*]/.test(entry.host)) return name === entry.host;
      return name.endsWith(entry.host.replace(/^\*/, ''));
    });
  };
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
