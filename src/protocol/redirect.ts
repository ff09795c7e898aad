// Following a redirect answer to the opening handshake (opt-in, as in ws; the WHATWG standard and
// undici do not follow): 301, 302, 303, 307 and 308 with a Location, resolved against the URL that
// answered, http(s) mapped to ws(s). A loop, too many hops, a scheme other than those, or a downgrade
// from wss to ws (unless allowed) is ERR_REDIRECT.
import { WebSocketError } from './errors.ts';

export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface RedirectRules {
  maxRedirects: number;
  allowInsecureRedirect: boolean;
}

/** The URL a redirect leads to; throws ERR_REDIRECT. `visited`: the URLs so far, the first one included. */
export function redirectTarget(from: string, location: string, visited: readonly string[], rules: RedirectRules): URL {
  if (visited.length > rules.maxRedirects) {
    throw new WebSocketError(
      'ERR_REDIRECT',
      `More than ${rules.maxRedirects} redirects (maxRedirects), from ${shown(visited[0])}`,
    );
  }
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw new WebSocketError(
      'ERR_REDIRECT',
      `Redirect from ${shown(from)} to an invalid Location: ${JSON.stringify(location.slice(0, 200))}`,
    );
  }
  if (target.protocol === 'http:') target.protocol = 'ws:';
  else if (target.protocol === 'https:') target.protocol = 'wss:';
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
    throw new WebSocketError(
      'ERR_REDIRECT',
      `Redirect from ${shown(from)} to an unsupported scheme: ${target.protocol}`,
    );
  }
  target.hash = '';
  if (new URL(from).protocol === 'wss:' && target.protocol === 'ws:' && !rules.allowInsecureRedirect) {
    throw new WebSocketError(
      'ERR_REDIRECT',
      `Redirect from ${shown(from)} to ${shown(target.href)} refused: it leaves TLS (allowInsecureRedirect allows it)`,
    );
  }
  if (visited.includes(target.href)) {
    throw new WebSocketError('ERR_REDIRECT', `Redirect loop: ${[...visited, target.href].map(shown).join(' → ')}`);
  }
  return target;
}

/** Whether two URLs are of the same origin (scheme, host and port). */
export function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/** Headers for a hop to another origin: no credentials (Authorization, Cookie) go with it. */
export function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !['authorization', 'cookie'].includes(name.toLowerCase())),
  );
}

/** A URL as messages show it: without userinfo. */
function shown(href: string): string {
  const url = new URL(href);
  url.username = '';
  url.password = '';
  return url.href;
}
