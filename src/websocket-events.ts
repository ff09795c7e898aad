// The events a WebSocket fires that not every runtime has a global class for (Node 20 has no
// CloseEvent): shaped as the standards define them, constructor(type, eventInitDict) with read-only
// attributes taken from the init dictionary, converted as WebIDL converts them.
import type { WebSocketError } from './protocol/errors.ts';
import { domString, exposeInterface, requireArguments, unsignedLong, unsignedShort, usvString } from './webidl.ts';

/** DOM's EventInit, from Event's constructor: @types/node declares no global EventInit. */
type EventInit = NonNullable<ConstructorParameters<typeof Event>[1]>;

export interface CloseEventInit extends EventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

export interface WebSocketErrorEventInit extends EventInit {
  message?: string;
  filename?: string;
  lineno?: number;
  colno?: number;
  error?: WebSocketError;
}

/** A dictionary argument: undefined and null are empty, any other non-object is a TypeError. */
function dictionary<T extends object>(value: T | null | undefined, what: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function')
    throw new TypeError(`${what}: the init argument is not an object`);
  return value;
}

/** CloseEvent (https://websockets.spec.whatwg.org/#the-closeevent-interface). */
export class WebSocketCloseEvent extends Event {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;

  constructor(type: string, eventInitDict: CloseEventInit = {}) {
    // biome-ignore lint/complexity/noArguments: WebIDL counts the arguments given; a rest parameter would make length 0.
    requireArguments(arguments.length, 1, "Failed to construct 'CloseEvent'");
    const init = dictionary(eventInitDict, "Failed to construct 'CloseEvent'");
    super(type, init); // converts type, and EventInit's bubbles, cancelable and composed
    // Then CloseEventInit's own members, in WebIDL's (lexicographic) order, each with its default.
    const { code, reason, wasClean } = init;
    this.#code = code === undefined ? 0 : unsignedShort(code);
    this.#reason = reason === undefined ? '' : usvString(reason);
    this.#wasClean = wasClean === undefined ? false : Boolean(wasClean);
  }

  get wasClean(): boolean {
    return this.#wasClean;
  }
  get code(): number {
    return this.#code;
  }
  get reason(): string {
    return this.#reason;
  }
}
exposeInterface(WebSocketCloseEvent.prototype, 'CloseEvent', ['wasClean', 'code', 'reason']);

/**
 * The error event, shaped as HTML's ErrorEvent (as Node's undici, Bun and Deno fire it). The ones a
 * WebSocket fires carry the WebSocketError that says what happened in `error`, and its message.
 */
export class WebSocketErrorEvent extends Event {
  readonly #message: string;
  readonly #filename: string;
  readonly #lineno: number;
  readonly #colno: number;
  readonly #error: WebSocketError;

  constructor(type: string, eventInitDict: WebSocketErrorEventInit = {}) {
    // biome-ignore lint/complexity/noArguments: WebIDL counts the arguments given; a rest parameter would make length 0.
    requireArguments(arguments.length, 1, "Failed to construct 'ErrorEvent'");
    const init = dictionary(eventInitDict, "Failed to construct 'ErrorEvent'");
    super(type, init);
    const { colno, error, filename, lineno, message } = init;
    this.#colno = colno === undefined ? 0 : unsignedLong(colno);
    this.#error = error as WebSocketError;
    this.#filename = filename === undefined ? '' : usvString(filename);
    this.#lineno = lineno === undefined ? 0 : unsignedLong(lineno);
    this.#message = message === undefined ? '' : domString(message);
  }

  get message(): string {
    return this.#message;
  }
  get filename(): string {
    return this.#filename;
  }
  get lineno(): number {
    return this.#lineno;
  }
  get colno(): number {
    return this.#colno;
  }
  /** The WebSocketError, on the events a WebSocket fires. */
  get error(): WebSocketError {
    return this.#error;
  }
}
exposeInterface(WebSocketErrorEvent.prototype, 'ErrorEvent', ['message', 'filename', 'lineno', 'colno', 'error']);
