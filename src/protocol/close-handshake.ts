// The close handshake (RFC 6455 §5.5.1, §7): which close frames went each way, the code and reason the
// connection reports, and the timer that stops waiting for a peer that does not finish it.

// The close reason is UTF-8 decoded without stripping a BOM (WHATWG WebSockets, as Bun and Deno do).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

export class CloseHandshake {
  /** We sent a close frame. */
  sent = false;
  /** The peer's close frame arrived. */
  received = false;
  /** The peer's code (1005 when its frame had none), or the code we failed the connection with. */
  code = 1006;
  reason = '';
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** The peer's close frame: its code and payload (validated by the codec). */
  receive(code: number, payload: Uint8Array): void {
    this.received = true;
    this.code = code;
    this.reason = payload.length > 2 ? decoder.decode(payload.subarray(2)) : '';
  }

  /** Waits `ms` for the peer to finish, then calls `expired` (once; restarting replaces the wait). */
  wait(ms: number, expired: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      expired();
    }, ms);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
