// The WHATWG WebSocket interface (https://websockets.spec.whatwg.org/) over the protocol engine, so a
// program written for the global WebSocket runs on it unchanged.
import { Connection, CONNECTING, OPEN, CLOSING, CLOSED, type ReadyState } from './protocol/connection.ts';
import type { WebSocketError } from './protocol/errors.ts';
import type { ClientOptions } from './protocol/options.ts';
import type { TransportFactory } from './transport.ts';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The close event: Node 20 has no global CloseEvent. */
export class WebSocketCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
}

/** The error event, carrying the WebSocketError that says what happened. */
export class WebSocketErrorEvent extends Event {
  readonly error: WebSocketError;
  readonly message: string;
  constructor(error: WebSocketError) {
    super('error');
    this.error = error;
    this.message = error.message;
  }
}

export type BinaryType = 'arraybuffer' | 'blob';
type Handler<E extends Event> = ((this: BaseWebSocket, event: E) => unknown) | null;
type Outgoing = string | ArrayBufferLike | ArrayBufferView | Blob;

export class BaseWebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  readonly url: string;
  private readonly connection: Connection;
  private type: BinaryType = 'blob';
  private failed = false;
  private closing = false;
  // Sends that wait behind a Blob being read, in order.
  private readonly queue: Outgoing[] = [];
  private queuedBytes = 0;
  private droppedBytes = 0;
  private readonly handlers: Record<string, Handler<Event>> = {};

  constructor(url: string | URL, protocols: string | string[] = [], options: ClientOptions = {}, factory?: TransportFactory) {
    super();
    if (!factory) throw new TypeError('Import WebSocket from wasm-ws, which picks the runtime');
    try {
      this.connection = new Connection(url, this.listener(), { ...options, protocols }, factory);
    } catch (error) {
      throw new DOMException((error as Error).message, 'SyntaxError');
    }
    this.url = this.connection.url;
    this.origin = new URL(this.url).origin;
  }
  private readonly origin: string;

  private listener() {
    return {
      onOpen: () => this.dispatchEvent(new Event('open')),
      onMessage: (data: Uint8Array, isText: boolean) => {
        let value: string | ArrayBuffer | Blob;
        if (isText) value = decoder.decode(data);
        else if (this.type === 'blob') value = new Blob([data as Uint8Array<ArrayBuffer>]);
        else value = data.slice().buffer;
        this.dispatchEvent(new MessageEvent('message', { data: value, origin: this.origin }));
      },
      onError: (error: WebSocketError) => {
        this.failed = true;
        this.dispatchEvent(new WebSocketErrorEvent(error));
      },
      onClose: (code: number, reason: string, wasClean: boolean) => {
        this.dispatchEvent(new WebSocketCloseEvent('close', { code: this.failed ? 1006 : code, reason, wasClean }));
      },
    };
  }

  get readyState(): ReadyState {
    // close() during a Blob read has not reached the connection yet.
    return this.closing && this.connection.readyState === OPEN ? CLOSING : this.connection.readyState;
  }
  get protocol(): string {
    return this.connection.protocol;
  }
  get extensions(): string {
    return this.connection.extensions;
  }
  get bufferedAmount(): number {
    return this.connection.bufferedAmount + this.queuedBytes + this.droppedBytes;
  }
  get binaryType(): BinaryType {
    return this.type;
  }
  set binaryType(value: BinaryType) {
    if (value === 'arraybuffer' || value === 'blob') this.type = value;
  }

  get onopen(): Handler<Event> {
    return this.handlers.open ?? null;
  }
  set onopen(handler: Handler<Event>) {
    this.setHandler('open', handler);
  }
  get onmessage(): Handler<MessageEvent> {
    return (this.handlers.message as Handler<MessageEvent>) ?? null;
  }
  set onmessage(handler: Handler<MessageEvent>) {
    this.setHandler('message', handler as Handler<Event>);
  }
  get onerror(): Handler<Event> {
    return this.handlers.error ?? null;
  }
  set onerror(handler: Handler<Event>) {
    this.setHandler('error', handler);
  }
  get onclose(): Handler<WebSocketCloseEvent> {
    return (this.handlers.close as Handler<WebSocketCloseEvent>) ?? null;
  }
  set onclose(handler: Handler<WebSocketCloseEvent>) {
    this.setHandler('close', handler as Handler<Event>);
  }

  // An on<type> handler's listener is added when one is first set, as in HTML: it runs in that place
  // among the addEventListener() listeners.
  private setHandler(type: string, handler: Handler<Event>): void {
    if (!(type in this.handlers)) this.addEventListener(type, (event) => this.handlers[type]?.call(this, event));
    this.handlers[type] = handler;
  }

  send(data: Outgoing): void {
    const state = this.readyState;
    if (state === CONNECTING) throw new DOMException('WebSocket is still connecting', 'InvalidStateError');
    if (state !== OPEN) {
      // The standard: data sent after closing only counts toward bufferedAmount.
      this.droppedBytes += byteLength(data);
      return;
    }
    if (this.queue.length > 0 || data instanceof Blob) {
      this.queue.push(data);
      this.queuedBytes += byteLength(data);
      if (this.queue.length === 1) void this.flushQueue();
      return;
    }
    this.sendNow(data as Exclude<Outgoing, Blob>);
  }

  private sendNow(data: Exclude<Outgoing, Blob>): void {
    if (typeof data === 'string') this.connection.sendText(data);
    else if (ArrayBuffer.isView(data)) this.connection.send(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else this.connection.send(new Uint8Array(data));
  }

  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const item = this.queue[0];
      const data = item instanceof Blob ? await item.arrayBuffer() : item;
      this.queue.shift();
      this.queuedBytes -= byteLength(item);
      if (this.connection.readyState === OPEN) this.sendNow(data);
    }
    if (this.closing) this.connection.close(...this.pendingClose!);
  }
  private pendingClose: [number | undefined, string] | null = null;

  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new DOMException(`The close code must be 1000 or between 3000 and 4999, got ${code}`, 'InvalidAccessError');
    }
    if (reason !== undefined && encoder.encode(reason).length > 123) {
      throw new DOMException('The close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
    }
    if (this.queue.length > 0 && this.connection.readyState === OPEN) {
      // Let queued Blobs go first, as the standard's ordering requires.
      this.closing = true;
      this.pendingClose = [code, reason ?? ''];
      return;
    }
    this.connection.close(code, reason ?? '');
  }
}

function byteLength(data: Outgoing): number {
  if (typeof data === 'string') return encoder.encode(data).length;
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}
