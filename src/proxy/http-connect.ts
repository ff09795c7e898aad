// An HTTP proxy's tunnel (RFC 9110 §9.3.6): CONNECT host:port, with Basic credentials when the proxy
// URL has them; any 2xx answer opens the tunnel.
import { parseResponseHead } from '../protocol/handshake.ts';
import { basicCredentials } from '../protocol/url.ts';
import { Tunnel } from './tunnel.ts';

export class HttpConnectTunnel extends Tunnel {
  protected begin(): void {
    const target = this.target;
    let request = `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n`;
    const { username, password } = this.proxy;
    if (username !== null) {
      request += `Proxy-Authorization: ${basicCredentials(username, password ?? '')}\r\n`;
    }
    this.write(new TextEncoder().encode(`${request}\r\n`));
  }

  protected step(bytes: Uint8Array): number {
    const head = parseResponseHead(bytes);
    if (head === null) return 0;
    const { status, statusText } = head;
    const answer = `${status}${statusText ? ` ${statusText}` : ''}`;
    if (status >= 200 && status < 300) {
      this.succeed();
      return head.length;
    }
    if (status === 407) {
      const what = this.proxy.username === null ? 'requires credentials' : 'did not accept the credentials';
      this.fail(this.error(`${what} (${answer})`, { status }));
    } else {
      this.fail(this.error(`refused the tunnel to ${this.target}: ${answer}`, { status }));
    }
    return bytes.length;
  }
}
