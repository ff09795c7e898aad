// Keepalive (pingInterval, pongTimeout): a ping after pingInterval ms in which nothing was received,
// and a failure when nothing (a pong or anything else) comes pongTimeout ms after it. One timer per
// connection, re-armed only when it fires: while data flows, no timer is touched per message (the
// connection sets a flag on each read, which the timer reads and clears).
export class Keepalive {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinged = false;

  constructor(
    private readonly interval: number,
    private readonly pongTimeout: number,
    /** Whether anything was received since the last call; clears it. */
    private readonly receivedSinceLastCheck: () => boolean,
    private readonly ping: () => void,
    private readonly timedOut: (ms: number) => void,
  ) {
    this.arm(interval);
  }

  /** A pong came: the next ping is due pingInterval from now (at most once per ping: not per message). */
  pong(): void {
    if (!this.pinged || this.timer === undefined) return;
    clearTimeout(this.timer);
    this.pinged = false;
    this.receivedSinceLastCheck();
    this.arm(this.interval);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.tick, ms);
  }

  private readonly tick = (): void => {
    if (this.receivedSinceLastCheck()) {
      this.pinged = false;
      this.arm(this.interval);
    } else if (this.pinged) {
      this.timer = undefined;
      this.timedOut(this.pongTimeout);
    } else {
      this.pinged = true;
      this.ping();
      this.arm(this.pongTimeout);
    }
  };
}
