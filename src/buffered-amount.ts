// WebSocket.bufferedAmount as the standard defines it: the bytes of application data (UTF-8 text and
// binary data, no framing) given to send() that, as of the last time the event loop started a task,
// had not been transmitted. So everything sent during the current task counts, even if it left at once;
// once the connection is closed the number only grows.

/** UTF-8 length of a string, a lone surrogate counting as U+FFFD (3 bytes), as TextEncoder encodes it. */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 2 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

export class BufferedAmount {
  // Sent since the last task boundary we saw: counted whether or not it left already. Text is measured
  // only when someone asks, to keep its cost off the send path.
  #recent = 0;
  readonly #recentText: string[] = [];
  // Sent before that: counted while the transport still holds at least that many bytes.
  #older = 0;
  // Given to send() while closing or closed, plus what was still unsent when the connection closed.
  #dropped = 0;
  #closed = false;
  // A microtask queued with the first send of a synchronous run: once it has run, the next connection
  // callback starts a later task (I/O callbacks are tasks of their own).
  #runEnded = true;
  // A timer for tasks that are not connection callbacks (a user's timer): it fires after them.
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #transportBuffered: () => number;

  constructor(transportBuffered: () => number) {
    this.#transportBuffered = transportBuffered;
  }

  sent(bytes: number): void {
    this.#recent += bytes;
    this.#mark();
  }
  sentText(text: string): void {
    this.#recentText.push(text);
    this.#mark();
  }
  dropped(bytes: number): void {
    this.#dropped += bytes;
  }

  get value(): number {
    if (this.#closed) return this.#dropped;
    return Math.min(this.#older, this.#transportBuffered()) + this.#recentBytes() + this.#dropped;
  }

  /** Called at the start of each connection callback: a new task, if the run that last sent is over. */
  taskStarted(): void {
    if (this.#runEnded) this.#settle();
  }

  /** The connection is closed: what the transport still held is never transmitted. */
  close(): void {
    if (this.#closed) return;
    this.#dropped += Math.min(this.#older + this.#recentBytes(), this.#transportBuffered());
    this.#older = this.#recent = 0;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #mark(): void {
    if (this.#runEnded) {
      this.#runEnded = false;
      queueMicrotask(() => (this.#runEnded = true));
    }
    this.#timer ??= setTimeout(this.#onTimer, 0);
  }
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#settle();
  };
  // From the new task on, the recent bytes count only while the transport still holds them.
  #settle(): void {
    if (this.#recent === 0 && this.#recentText.length === 0) return;
    const held = this.#transportBuffered();
    this.#older = held === 0 ? 0 : Math.min(this.#older + this.#recentBytes(), held);
    this.#recent = 0;
    this.#recentText.length = 0;
  }
  #recentBytes(): number {
    for (const text of this.#recentText) this.#recent += utf8Length(text);
    this.#recentText.length = 0;
    return this.#recent;
  }
}
