// The Sec-WebSocket-Extensions header (RFC 6455 §9.1): extensions separated by commas, each a token
// and parameters separated by semicolons; a parameter is a token, with an optional value that is a token
// or a quoted string (RFC 7230 §3.2.6).

export interface ExtensionElement {
  name: string;
  /** Parameters in order; a parameter without a value maps to true. */
  params: [string, string | true][];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses a header value; throws a SyntaxError that says what is wrong. */
export function parseExtensions(header: string): ExtensionElement[] {
  const out: ExtensionElement[] = [];
  let at = 0;
  const n = header.length;
  const skipSpace = () => {
    while (at < n && (header[at] === ' ' || header[at] === '\t')) at++;
  };
  const token = (what: string): string => {
    const start = at;
    while (at < n && !' \t,;="'.includes(header[at])) at++;
    const value = header.slice(start, at);
    if (!TOKEN.test(value)) throw new SyntaxError(`expected ${what} at character ${start}`);
    return value;
  };
  const quoted = (): string => {
    at++; // the opening quote
    let value = '';
    while (at < n && header[at] !== '"') {
      if (header[at] === '\\') at++;
      if (at < n) value += header[at++];
    }
    if (at >= n) throw new SyntaxError('unterminated quoted string');
    at++;
    return value;
  };
  for (;;) {
    skipSpace();
    const element: ExtensionElement = { name: token('an extension name'), params: [] };
    skipSpace();
    while (header[at] === ';') {
      at++;
      skipSpace();
      const name = token('a parameter name');
      skipSpace();
      let value: string | true = true;
      if (header[at] === '=') {
        at++;
        skipSpace();
        value = header[at] === '"' ? quoted() : token(`a value for ${name}`);
        // A quoted value must still be a token (RFC 6455 §9.1).
        if (!TOKEN.test(value)) throw new SyntaxError(`the value of ${name} is not a token`);
        skipSpace();
      }
      element.params.push([name, value]);
    }
    out.push(element);
    if (at >= n) return out;
    if (header[at] !== ',') throw new SyntaxError(`unexpected ${JSON.stringify(header[at])} at character ${at}`);
    at++;
  }
}
