// The client heap tests' connections (test/client/heap.test.ts on Node, heap-client.bun.ts on Bun):
// each opened and made to echo one message, with one listener for all of them, since a closure per
// connection would be counted as theirs.
import type { Connect, Connection, ConnectionListener } from '../../src/api.ts';

export class EchoedConnections {
  private echoed: (() => void) | null = null;
  private closes = 0;
  private readonly listener: ConnectionListener = {
    onMessage: () => this.echoed?.(),
    onClose: () => {
      this.closes++;
    },
  };

  constructor(
    private readonly connect: Connect,
    private readonly url: string,
  ) {}

  /** A connection that has echoed one message. */
  async open(): Promise<Connection> {
    const conn = await this.connect(this.url, this.listener);
    const echo = new Promise<void>((resolve) => {
      this.echoed = resolve;
    });
    conn.send(new Uint8Array(64));
    await echo;
    return conn;
  }

  /** Closes them all, and waits until each has reported its close. */
  async closeAll(conns: Connection[]): Promise<void> {
    const until = this.closes + conns.length;
    for (const conn of conns) conn.close(1000);
    while (this.closes < until) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
