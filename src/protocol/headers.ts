// User headers for the opening handshake, checked against RFC 9110 §5: a name is a token, a value has
// no control characters but horizontal tab (no CR/LF/NUL: nothing can be smuggled into the request).
// The handshake's own headers are the engine's: a user value for them would break or fake it.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// field-value characters: VCHAR, obs-text, SP and HTAB (sent as Latin-1, as Node's http does).
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const RESERVED = new Set(['host', 'upgrade', 'connection']);

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/**
 * Adds a received header field to `fields` under its lower-cased `name`, a repeat joined with ", "
 * (RFC 9110 §5.3). Own properties only (`__proto__` and `constructor` are fields like any other), on a
 * plain object: V8 keeps a null-prototype object's properties in a dictionary, ~250 bytes more per
 * head, which a connection keeps.
 */
export function addField(fields: Record<string, string>, name: string, value: string): void {
  const joined = Object.hasOwn(fields, name) ? `${fields[name]}, ${value}` : value;
  if (name === '__proto__')
    Object.defineProperty(fields, name, { value: joined, enumerable: true, writable: true, configurable: true });
  else fields[name] = joined;
}

/** Whether a comma-separated header value lists `token` (lower case), in any case. */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}

/** Why these headers cannot be sent, or null when they can. */
export function headersProblem(headers: Readonly<Record<string, unknown>>): string | null {
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) return `invalid header name ${JSON.stringify(name)}`;
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || lower.startsWith('sec-websocket-')) {
      return `the ${name} header belongs to the WebSocket handshake and cannot be set`;
    }
    if (typeof value !== 'string') return `the value of ${name} must be a string`;
    if (!VALUE.test(value))
      return `invalid value for header ${name} (control characters, or characters beyond Latin-1)`;
  }
  return null;
}
