// The WHATWG WebSocket interface (https://websockets.spec.whatwg.org/) over the protocol engine, so a
// program written for the global WebSocket runs on it unchanged. Arguments are converted as WebIDL
// converts them (webidl.ts); events fire as the standard's "Feedback from the protocol" section says.
import { BufferedAmount, utf8Length } from './buffered-amount.ts';
import {
  Connection,
  CONNECTING,
  OPEN,
  CLOSING,
  CLOSED,
  type ConnectionListener,
  type ReadyState,
} from './protocol/connection.ts';
import type { ConnectionBase } from './protocol/connection-base.ts';
import { type HandshakeResponse, WebSocketError } from './protocol/errors.ts';
import type { ClientOptions } from './protocol/options.ts';
import type { Platform } from './platform.ts';
import { WebSocketCloseEvent, WebSocketErrorEvent } from './websocket-events.ts';
import {
  bufferSourceBytes,
  clampedUnsignedShort,
  domString,
  eventHandlerValue,
  exposeInterface,
  requireArguments,
  usvString,
} from './webidl.ts';

export {
  WebSocketCloseEvent,
  WebSocketErrorEvent,
  type CloseEventInit,
  type WebSocketErrorEventInit,
} from './websocket-events.ts';

// A text message keeps a leading U+FEFF: the standard makes "a new DOMString containing data".
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

export type BinaryType = 'arraybuffer' | 'blob';

export interface WebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: WebSocketErrorEvent;
  close: WebSocketCloseEvent;
  /** Not in the WHATWG standard (as Bun and ws have them): a ping or pong came; `data` its payload, an ArrayBuffer. */
  ping: MessageEvent;
  pong: MessageEvent;
}

type Handler<E extends Event> = ((this: BaseWebSocket, event: E) => unknown) | null;
/** What send() takes, after WebIDL's (BufferSource or Blob or USVString) conversion. */
type Sendable = string | Blob | Uint8Array;

/** send()'s argument converted to (BufferSource or Blob or USVString), in WebIDL's order. */
function sendable(data: unknown): Sendable {
  if (typeof data === 'string') return data;
  if ((typeof data === 'object' && data !== null) || typeof data === 'function') {
    if (data instanceof Blob) return data;
    const bytes = bufferSourceBytes(data);
    if (bytes !== null) return bytes;
    // Any other object, a SharedArrayBuffer included, matches no member type but the string.
  }
  // The encoder turns lone surrogates into U+FFFD, which is what converting to USVString does.
  return domString(data);
}

function sizeOf(data: Sendable): number {
  return typeof data === 'string' ? utf8Length(data) : data instanceof Blob ? data.size : data.byteLength;
}

/** (DOMString or sequence<DOMString>): an object with an iterator is a sequence, anything else one string. */
function protocolList(value: unknown): string[] {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    const method = (value as { [Symbol.iterator]?: () => Iterator<unknown> })[Symbol.iterator];
    if (method !== undefined && method !== null) {
      if (typeof method !== 'function')
        throw new TypeError('The protocols argument has a non-callable Symbol.iterator');
      return Array.from({ [Symbol.iterator]: () => method.call(value) }, (p) => domString(p));
    }
  }
  return [domString(value)];
}

/**
 * close()'s checks, step 1 then step 2 (the code before the reason): an InvalidAccessError for a code
 * a script may not send, a SyntaxError for a reason over 123 bytes of UTF-8.
 */
export function checkCloseArguments(code: number | undefined, reason: string | undefined): void {
  if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
    throw new DOMException(`The close code must be 1000 or between 3000 and 4999, got ${code}`, 'InvalidAccessError');
  }
  if (reason !== undefined && utf8Length(reason) > 123) {
    throw new DOMException('The close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
  }
}

/** The constructor's SyntaxError cases; other errors (invalid options, headers) are thrown as they are. */
export function asSyntaxError(error: unknown): unknown {
  const invalidUrl = error instanceof WebSocketError && error.code === 'ERR_INVALID_URL';
  return invalidUrl || error instanceof SyntaxError ? new DOMException((error as Error).message, 'SyntaxError') : error;
}

interface EventHandlerSlot {
  value: object;
  listener: (event: Event) => void;
}

/**
 * A server's connection, open already, given a WebSocket (WebSocketServer): its events are to go to
 * `listen`'s listener from then on.
 */
export interface AdoptedConnection {
  readonly connection: ConnectionBase;
  /** ws:// or wss://, the server's host and the request's path. */
  readonly url: string;
  listen(listener: ConnectionListener): void;
}
const adoptions = new WeakSet<AdoptedConnection>();

/** Marks a server's connection to be wrapped by `new WebSocket('', [], {}, adoption)`. */
export function adoption(
  connection: ConnectionBase,
  url: string,
  listen: (l: ConnectionListener) => void,
): AdoptedConnection {
  const adopted = { connection, url, listen };
  adoptions.add(adopted);
  return adopted;
}

interface QueuedSend {
  data: Sendable;
  size: number;
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds typed overloads of inherited methods.
export class BaseWebSocket extends EventTarget {
  // WebIDL constants, defined below on the constructor and the prototype (not on each instance).
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  readonly #url: string;
  readonly #origin: string;
  readonly #connection: ConnectionBase;
  // The server's 101, for a client's connection.
  readonly #response: () => HandshakeResponse | null;
  readonly #buffered: BufferedAmount;
  #binaryType: BinaryType = 'blob';
  #handlers: Record<string, EventHandlerSlot | undefined> = {};
  // close() was called: CLOSING from then on, even while the connection waits behind queued Blobs.
  #closeRequested = false;
  #pendingClose: [number | undefined, string] | null = null;
  // The close event has fired: CLOSED.
  #closed = false;
  #failure: WebSocketError | null = null;
  // Sends waiting behind a Blob being read, in order; their bytes were copied when send() was called.
  readonly #queue: QueuedSend[] = [];
  #queuedBytes = 0;
  // Calls into this object under way: the connection can close inside one (close() while connecting),
  // and the standard fires the close event from a task of its own.
  #calls = 0;

  constructor(
    url: string | URL,
    protocols: string | string[] = [],
    options: ClientOptions = {},
    platform?: Platform | AdoptedConnection,
  ) {
    // The runtime's subclass always passes four arguments: a missing url arrives as undefined.
    requireArguments(url === undefined ? 0 : 1, 1, "Failed to construct 'WebSocket'");
    super();
    if (platform && adoptions.has(platform as AdoptedConnection)) {
      // A server's connection, open already: no handshake of ours, no open event.
      const adopted = platform as AdoptedConnection;
      this.#connection = adopted.connection;
      this.#response = () => null;
      this.#buffered = new BufferedAmount(() => this.#connection.bufferedAmount);
      this.#url = adopted.url;
      this.#origin = new URL(this.#url).origin;
      adopted.listen(this.#listener());
      return;
    }
    if (!platform) throw new TypeError('Import WebSocket from wasm-ws, which picks the runtime');
    const client = platform as Platform;
    const href = usvString(url);
    const list = protocolList(protocols);
    // Each subprotocol at most once, compared case-insensitively as browsers and web-platform-tests do.
    if (new Set(list.map((p) => p.toLowerCase())).size !== list.length) {
      throw new DOMException(`A subprotocol is given twice in ${JSON.stringify(list)}`, 'SyntaxError');
    }
    this.#buffered = new BufferedAmount(() => this.#connection.bufferedAmount);
    this.#calls++;
    try {
      const connection = new Connection(href, this.#listener(), { ...options, protocols: list }, client);
      this.#connection = connection;
      this.#response = () => connection.response;
    } catch (error) {
      throw asSyntaxError(error);
    } finally {
      this.#calls--;
    }
    this.#url = (this.#connection as Connection).url;
    this.#origin = new URL(this.#url).origin;
  }

  #listener(): ConnectionListener {
    return {
      onOpen: () => {
        this.#buffered.taskStarted();
        this.dispatchEvent(new Event('open'));
      },
      onMessage: (data: Uint8Array, isText: boolean) => {
        this.#buffered.taskStarted();
        // "If readyState is not OPEN, then return": nothing is delivered once close() was called.
        if (this.readyState !== OPEN) return;
        let value: string | ArrayBuffer | Blob;
        if (isText) value = decoder.decode(data);
        else if (this.#binaryType === 'blob') value = new Blob([data as Uint8Array<ArrayBuffer>]);
        else value = data.slice().buffer;
        this.dispatchEvent(new MessageEvent('message', { data: value, origin: this.#origin }));
      },
      onPing: (data: Uint8Array) => this.#control('ping', data),
      onPong: (data: Uint8Array) => this.#control('pong', data),
      onDrain: () => this.#buffered.taskStarted(),
      // The error event fires with the close event, in the task that closes the WebSocket.
      onError: (error: WebSocketError) => {
        this.#failure ??= error;
      },
      onClose: (code: number, reason: string, wasClean: boolean) => {
        if (this.#calls > 0) setTimeout(() => this.#fireClose(code, reason, wasClean), 0);
        else this.#fireClose(code, reason, wasClean);
      },
    };
  }

  #control(type: 'ping' | 'pong', data: Uint8Array): void {
    if (this.readyState === OPEN)
      this.dispatchEvent(new MessageEvent(type, { data: data.slice().buffer, origin: this.#origin }));
  }

  // "When the WebSocket connection is closed": readyState CLOSED, an error event if the connection
  // failed, then the close event with the code and reason received (none received after a failure: 1006).
  #fireClose(code: number, reason: string, wasClean: boolean): void {
    this.#closed = true;
    this.#buffered.close();
    const failure = this.#failure;
    if (failure) this.dispatchEvent(new WebSocketErrorEvent('error', { error: failure, message: failure.message }));
    this.dispatchEvent(
      new WebSocketCloseEvent('close', { code: failure ? 1006 : code, reason: failure ? '' : reason, wasClean }),
    );
  }

  get url(): string {
    return this.#url;
  }
  get readyState(): ReadyState {
    if (this.#closed) return CLOSED;
    // Closed but its close event not fired yet, or close() called: CLOSING.
    const state = this.#connection.readyState;
    return state === CLOSED || this.#closeRequested ? CLOSING : state;
  }
  get bufferedAmount(): number {
    return this.#buffered.value + this.#queuedBytes;
  }
  get extensions(): string {
    return this.#connection.extensions;
  }
  /** Not in the WHATWG standard: the server's 101 (status line and headers), null until open. */
  get response(): HandshakeResponse | null {
    return this.#response();
  }
  get protocol(): string {
    return this.#connection.protocol;
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    // An enumeration attribute: converted to a string, and a value outside the enumeration is ignored.
    const type = domString(value);
    if (type === 'blob' || type === 'arraybuffer') this.#binaryType = type;
  }

  get onopen(): Handler<Event> {
    return this.#getHandler('open') as Handler<Event>;
  }
  set onopen(value: Handler<Event>) {
    this.#setHandler('open', value);
  }
  get onerror(): Handler<WebSocketErrorEvent> {
    return this.#getHandler('error') as Handler<WebSocketErrorEvent>;
  }
  set onerror(value: Handler<WebSocketErrorEvent>) {
    this.#setHandler('error', value);
  }
  get onclose(): Handler<WebSocketCloseEvent> {
    return this.#getHandler('close') as Handler<WebSocketCloseEvent>;
  }
  set onclose(value: Handler<WebSocketCloseEvent>) {
    this.#setHandler('close', value);
  }
  get onmessage(): Handler<MessageEvent> {
    return this.#getHandler('message') as Handler<MessageEvent>;
  }
  set onmessage(value: Handler<MessageEvent>) {
    this.#setHandler('message', value);
  }

  #getHandler(type: string): object | null {
    return this.#handlers[type]?.value ?? null;
  }
  // HTML event handlers: the listener is added when the value becomes non-null and removed when it
  // becomes null, so it runs in that place among the addEventListener() listeners.
  #setHandler(type: string, input: unknown): void {
    const value = eventHandlerValue(input);
    const slot = this.#handlers[type];
    if (value === null) {
      if (slot) super.removeEventListener(type, slot.listener);
      this.#handlers[type] = undefined;
    } else if (slot) {
      slot.value = value;
    } else {
      const entry: EventHandlerSlot = {
        value,
        listener: (event) => {
          const handler = entry.value;
          if (typeof handler !== 'function') return; // a non-callable object is kept but never called
          if (handler.call(this, event) === false) event.preventDefault();
        },
      };
      this.#handlers[type] = entry;
      super.addEventListener(type, entry.listener);
    }
  }

  /**
   * Not in the WHATWG standard (as Bun and ws have it): sends a ping (payload at most 125 bytes; its
   * pong fires a `pong` event). InvalidStateError while connecting; nothing once closing.
   */
  ping(data: string | ArrayBufferLike | ArrayBufferView = new Uint8Array(0)): void {
    this.#sendControl('ping', data);
  }
  /** Not in the WHATWG standard: sends an unsolicited pong (a heartbeat some servers expect). */
  pong(data: string | ArrayBufferLike | ArrayBufferView = new Uint8Array(0)): void {
    this.#sendControl('pong', data);
  }
  #sendControl(type: 'ping' | 'pong', data: string | ArrayBufferLike | ArrayBufferView): void {
    const value = sendable(data);
    if (value instanceof Blob) throw new TypeError(`A ${type} payload is a string or bytes, not a Blob`);
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    if (bytes.length > 125) throw new RangeError(`A ${type} payload is at most 125 bytes`);
    const state = this.readyState;
    if (state === CONNECTING) throw new DOMException('WebSocket is still connecting', 'InvalidStateError');
    if (state !== OPEN) return;
    if (type === 'ping') this.#connection.ping(bytes);
    else this.#connection.pong(bytes);
  }

  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    // biome-ignore lint/complexity/noArguments: WebIDL counts the arguments given; a rest parameter would make length 0.
    requireArguments(arguments.length, 1, "Failed to execute 'send' on 'WebSocket'");
    const value = sendable(data); // converted first: a TypeError wins over InvalidStateError
    const state = this.readyState;
    if (state === CONNECTING) throw new DOMException('WebSocket is still connecting', 'InvalidStateError');
    if (state !== OPEN) {
      // Data sent after the closing handshake started only counts toward bufferedAmount.
      this.#buffered.dropped(sizeOf(value));
      return;
    }
    if (this.#queue.length > 0 || value instanceof Blob) {
      // Behind a Blob: keep the bytes the view holds now (strings and Blobs cannot change).
      const queued = value instanceof Uint8Array ? value.slice() : value;
      const size = sizeOf(queued);
      this.#queue.push({ data: queued, size });
      this.#queuedBytes += size;
      if (this.#queue.length === 1) void this.#flushQueue();
      return;
    }
    // Nothing queued: the frame is built from the bytes now, so the caller's view is not copied here.
    this.#calls++;
    try {
      this.#transmit(value);
    } finally {
      this.#calls--;
    }
  }

  #transmit(data: string | Uint8Array): void {
    if (typeof data === 'string') {
      this.#buffered.sentText(data);
      this.#connection.sendText(data);
    } else {
      this.#buffered.sent(data.byteLength);
      this.#connection.send(data);
    }
  }

  async #flushQueue(): Promise<void> {
    while (this.#queue.length > 0) {
      const { data, size } = this.#queue[0];
      let bytes: string | Uint8Array;
      try {
        bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data;
      } catch (error) {
        // A Blob that cannot be read cannot be sent: fail the connection rather than skip a message.
        this.#failure ??= new WebSocketError(
          'ERR_INTERNAL',
          `A Blob passed to send() could not be read: ${(error as Error)?.message ?? error}`,
        );
        this.#connection.terminate();
        bytes = new Uint8Array(0);
      }
      this.#queue.shift();
      this.#queuedBytes -= size;
      if (this.#connection.readyState === OPEN && this.#failure === null) this.#transmit(bytes);
      else this.#buffered.dropped(size);
    }
    const pending = this.#pendingClose;
    if (pending && this.#connection.readyState === OPEN) this.#connection.close(...pending);
  }

  close(code: number | undefined = undefined, reason: string | undefined = undefined): void {
    // Both arguments are converted first: [Clamp] unsigned short and USVString.
    const closeCode = code === undefined ? undefined : clampedUnsignedShort(code);
    const closeReason = reason === undefined ? undefined : usvString(reason);
    checkCloseArguments(closeCode, closeReason);
    const state = this.readyState;
    if (state === CLOSING || state === CLOSED) return;
    this.#closeRequested = true;
    // With a reason the Close frame has a body, which starts with a status code (RFC 6455 §5.5.1):
    // 1000 when none was given. With neither, the frame has no body.
    const args: [number | undefined, string] = [
      closeCode ?? (closeReason !== undefined ? 1000 : undefined),
      closeReason ?? '',
    ];
    if (state === OPEN && this.#queue.length > 0) {
      // The close frame goes after the queued Blobs, as the messages sent before it.
      this.#pendingClose = args;
      return;
    }
    this.#calls++;
    try {
      this.#connection.close(...args);
    } finally {
      this.#calls--;
    }
  }
}

/** Typed listeners for the WebSocket's events. */
// Spelled through EventTarget so the published types need no DOM library (@types/node has no such globals).
type AnyListener = Parameters<EventTarget['addEventListener']>[1];
type AddListenerOptions = Parameters<EventTarget['addEventListener']>[2];
type RemoveListenerOptions = Parameters<EventTarget['removeEventListener']>[2];

export interface BaseWebSocket {
  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: ((this: BaseWebSocket, event: WebSocketEventMap[K]) => unknown) | null,
    options?: AddListenerOptions,
  ): void;
  addEventListener(type: string, listener: AnyListener | null, options?: AddListenerOptions): void;
  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: ((this: BaseWebSocket, event: WebSocketEventMap[K]) => unknown) | null,
    options?: RemoveListenerOptions,
  ): void;
  removeEventListener(type: string, listener: AnyListener | null, options?: RemoveListenerOptions): void;
}

// WebIDL constants: on the constructor and the prototype, read-only.
for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  const constant = { value, writable: false, enumerable: true, configurable: false };
  Object.defineProperty(BaseWebSocket, name, constant);
  Object.defineProperty(BaseWebSocket.prototype, name, constant);
}
exposeInterface(BaseWebSocket.prototype, 'WebSocket', [
  'url',
  'readyState',
  'bufferedAmount',
  'onopen',
  'onerror',
  'onclose',
  'extensions',
  'protocol',
  'close',
  'onmessage',
  'binaryType',
  'send',
]);
