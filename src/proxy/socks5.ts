// A SOCKS5 proxy's tunnel (RFC 1928), with username/password authentication (RFC 1929) when the proxy
// URL has credentials. The proxy resolves host names (socks5: and socks5h: alike): IP literals go as
// addresses, names as names.
import { Tunnel } from './tunnel.ts';

const VERSION = 5;
const NO_AUTH = 0x00;
const USERNAME_PASSWORD = 0x02;
const NO_ACCEPTABLE = 0xff;

const REPLIES: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

type Stage = 'method' | 'auth' | 'connect';

export class Socks5Tunnel extends Tunnel {
  private stage: Stage = 'method';

  protected begin(): void {
    const methods = this.proxy.username === null ? [NO_AUTH] : [NO_AUTH, USERNAME_PASSWORD];
    this.write(Uint8Array.of(VERSION, methods.length, ...methods));
  }

  protected step(bytes: Uint8Array): number {
    switch (this.stage) {
      case 'method':
        return this.onMethod(bytes);
      case 'auth':
        return this.onAuth(bytes);
      case 'connect':
        return this.onConnect(bytes);
    }
  }

  private onMethod(bytes: Uint8Array): number {
    if (bytes.length < 2) return 0;
    if (bytes[0] !== VERSION) return this.broken(`answered the greeting with version ${bytes[0]}, not SOCKS5`);
    const method = bytes[1];
    if (method === NO_AUTH) this.sendConnect();
    else if (method === USERNAME_PASSWORD && this.proxy.username !== null) {
      const encoder = new TextEncoder();
      const user = encoder.encode(this.proxy.username);
      const password = encoder.encode(this.proxy.password ?? '');
      this.stage = 'auth';
      this.write(Uint8Array.of(1, user.length, ...user, password.length, ...password));
    } else if (method === NO_ACCEPTABLE || method === USERNAME_PASSWORD) {
      this.fail(this.error('requires credentials (no acceptable authentication method)', { status: method }));
    } else return this.broken(`chose authentication method ${method}, which was not offered`);
    return 2;
  }

  private onAuth(bytes: Uint8Array): number {
    if (bytes.length < 2) return 0;
    if (bytes[1] !== 0)
      this.fail(this.error(`did not accept the credentials (status ${bytes[1]})`, { status: bytes[1] }));
    else this.sendConnect();
    return 2;
  }

  private sendConnect(): void {
    this.stage = 'connect';
    const port = [this.targetPort >> 8, this.targetPort & 0xff];
    this.write(Uint8Array.of(VERSION, 1, 0, ...address(this.targetHost), ...port));
  }

  private onConnect(bytes: Uint8Array): number {
    if (bytes.length < 2) return 0;
    if (bytes[0] !== VERSION) return this.broken(`answered CONNECT with version ${bytes[0]}, not SOCKS5`);
    // A refusal is known from its second byte (some servers send no more before closing).
    const reply = bytes[1];
    if (reply !== 0) {
      const reason = REPLIES[reply] ?? `reply ${reply}`;
      this.fail(this.error(`refused the tunnel to ${this.target}: ${reason}`, { status: reply }));
      return bytes.length;
    }
    if (bytes.length < 5) return 0;
    const type = bytes[3];
    const addressLength = type === 1 ? 4 : type === 4 ? 16 : type === 3 ? 1 + bytes[4] : -1;
    if (addressLength < 0) return this.broken(`answered CONNECT with address type ${type}`);
    const length = 4 + addressLength + 2;
    if (bytes.length < length) return 0;
    this.succeed();
    return length;
  }

  private broken(what: string): number {
    this.fail(this.error(what));
    return Number.MAX_SAFE_INTEGER;
  }
}

/** The address field of a request: type and bytes. */
function address(host: string): number[] {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return [1, ...v4.slice(1).map(Number)];
  if (host.includes(':')) return [4, ...ipv6Bytes(host)];
  const name = new TextEncoder().encode(host);
  return [3, name.length, ...name];
}

/** The 16 bytes of an IPv6 literal (as the URL parser wrote it: compressed, no zone). */
function ipv6Bytes(host: string): number[] {
  const [head, tail] = host.includes('::') ? host.split('::') : [host, null];
  const groups = (text: string) => (text === '' ? [] : text.split(':').map((g) => Number.parseInt(g, 16)));
  const first = groups(head);
  const last = tail === null ? [] : groups(tail);
  const all = [...first, ...new Array(8 - first.length - last.length).fill(0), ...last];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}
