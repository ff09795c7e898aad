// WebSocketStream, the WHATWG proposal (whatwg/websockets#48) as Deno and undici ship it, over the
// protocol engine: `opened` gives a readable stream of messages and a writable one, `closed` the close
// code and reason. Backpressure holds both ways: a reader that falls behind pauses reading from the
// socket (the peer's sends back up into the kernel's buffers, then the peer), and a write waits for the
// socket to drain past highWaterMark.
import { Connection, CONNECTING, OPEN } from './protocol/connection.ts';
import { WebSocketError } from './protocol/errors.ts';
import type { ClientOptions } from './protocol/options.ts';
import type { Platform } from './platform.ts';
import { bufferSourceBytes, usvString } from './webidl.ts';
import { asSyntaxError, checkCloseArguments } from './websocket.ts';

export interface WebSocketStreamOptions extends ClientOptions {
  protocols?: string[];
  /** Aborts the opening handshake (ERR_ABORTED); once open it does nothing, as the proposal says. */
  signal?: AbortSignal;
}

export interface WebSocketOpenInfo {
  /** Messages: a string for text, a Uint8Array (a copy) for binary. */
  readable: ReadableStream<string | Uint8Array>;
  /** Takes strings (text messages) and BufferSources (binary). */
  writable: WritableStream<string | ArrayBuffer | ArrayBufferView>;
  extensions: string;
  protocol: string;
}

export interface WebSocketCloseInfo {
  closeCode?: number;
  reason?: string;
}

/** Bytes of messages the readable side holds before reading from the socket pauses. */
export const READ_AHEAD = 1024 * 1024;

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const messageSize = (chunk?: string | Uint8Array) =>
  typeof chunk === 'string' ? chunk.length : (chunk?.byteLength ?? 0);

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed or not, a rejection here is reported through the other promise too
  return { promise, resolve, reject };
}

export class BaseWebSocketStream {
  readonly url: string;
  readonly #opened = deferred<WebSocketOpenInfo>();
  readonly #closed = deferred<WebSocketCloseInfo>();
  readonly #connection: Connection;
  #readable!: ReadableStreamDefaultController<string | Uint8Array>;
  #writable!: WritableStreamDefaultController;
  // A write waiting for the socket to drain.
  #drain: Deferred<void> | null = null;
  // close() was called or the readable side cancelled: later messages are dropped.
  #closing = false;
  #failure: WebSocketError | null = null;

  constructor(url: string | URL, options: WebSocketStreamOptions = {}, platform?: Platform) {
    if (!platform) throw new TypeError('Import WebSocketStream from wasm-ws, which picks the runtime');
    const { signal, ...rest } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError('The signal option must be an AbortSignal');
    }
    // The caller's signal reaches the connection only until it opens.
    const handshake = new AbortController();
    const abort = () => handshake.abort(signal?.reason);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    // A default (not byte) source: typed loosely, as Bun's and the DOM's typings overload the constructor differently.
    const source: UnderlyingSource<string | Uint8Array> = {
      start: (controller) => {
        this.#readable = controller as ReadableStreamDefaultController<string | Uint8Array>;
      },
      pull: () => this.#connection?.resume(),
      cancel: () => this.#closeIfOpen(),
    };
    const readable = new ReadableStream(source, { highWaterMark: READ_AHEAD, size: messageSize });
    const writable = new WritableStream<string | ArrayBuffer | ArrayBufferView>({
      start: (controller) => {
        this.#writable = controller;
      },
      write: (chunk) => this.#write(chunk),
      close: () => this.#closeIfOpen(),
      abort: () => this.#closeIfOpen(),
    });
    try {
      this.#connection = new Connection(
        url,
        {
          onOpen: (connection) => {
            signal?.removeEventListener('abort', abort);
            const { extensions, protocol } = connection;
            this.#opened.resolve({ readable, writable, extensions, protocol });
          },
          onMessage: (data, isText) => this.#onMessage(data, isText),
          onDrain: () => {
            const drain = this.#drain;
            this.#drain = null;
            drain?.resolve();
          },
          onError: (error) => {
            this.#failure ??= error;
          },
          onClose: (code, reason, wasClean) => {
            signal?.removeEventListener('abort', abort);
            this.#onClose(code, reason, wasClean);
          },
        },
        { ...rest, signal: handshake.signal },
        platform,
      );
    } catch (error) {
      signal?.removeEventListener('abort', abort);
      throw asSyntaxError(error);
    }
    this.url = this.#connection.url;
    // A failed handshake rejects `opened` too (connect()'s promise says why).
    this.#connection.opened.catch((error: WebSocketError) => {
      this.#failure ??= error;
      this.#opened.reject(error);
    });
  }

  get opened(): Promise<WebSocketOpenInfo> {
    return this.#opened.promise;
  }

  /** Resolves with the close code and reason after a clean close; rejects with the failure otherwise. */
  get closed(): Promise<WebSocketCloseInfo> {
    return this.#closed.promise;
  }

  /** Starts the close handshake (or gives up connecting). A reason without a code sends 1000. */
  close(closeInfo: WebSocketCloseInfo = {}): void {
    const code = closeInfo.closeCode;
    const reason = closeInfo.reason === undefined ? undefined : usvString(closeInfo.reason);
    checkCloseArguments(code, reason);
    this.#closing = true;
    this.#connection.close(code ?? (reason ? 1000 : undefined), reason ?? '');
  }

  #closeIfOpen(): void {
    this.#closing = true;
    const state = this.#connection.readyState;
    if (state === OPEN || state === CONNECTING) this.#connection.close();
  }

  #onMessage(data: Uint8Array, isText: boolean): void {
    if (this.#closing) return;
    // A copy: the view is valid only during this call.
    this.#readable.enqueue(isText ? decoder.decode(data) : data.slice());
    if ((this.#readable.desiredSize ?? 0) <= 0) this.#connection.pause();
  }

  #write(chunk: string | ArrayBuffer | ArrayBufferView): Promise<void> | undefined {
    const connection = this.#connection;
    if (connection.readyState !== OPEN) {
      throw new WebSocketError('ERR_CONNECTION_LOST', `The WebSocket to ${this.url} is not open`);
    }
    let more: boolean;
    if (typeof chunk === 'string') more = connection.sendText(chunk);
    else {
      const bytes = typeof chunk === 'object' && chunk !== null ? bufferSourceBytes(chunk) : null;
      if (bytes === null) throw new TypeError('A WebSocketStream writes strings and BufferSources');
      more = connection.send(bytes);
    }
    if (more) return undefined;
    this.#drain = deferred<void>();
    return this.#drain.promise;
  }

  #onClose(code: number, reason: string, wasClean: boolean): void {
    const failure =
      wasClean && this.#failure === null
        ? null
        : (this.#failure ??
          new WebSocketError('ERR_CONNECTION_LOST', `The connection to ${this.url} closed without a close handshake`));
    this.#drain?.reject(failure ?? new WebSocketError('ERR_CONNECTION_LOST', 'The WebSocket closed'));
    this.#drain = null;
    try {
      if (failure) this.#readable.error(failure);
      else this.#readable.close();
    } catch {
      // the reader cancelled already
    }
    this.#writable.error(
      failure ?? new WebSocketError('ERR_CONNECTION_LOST', `The WebSocket to ${this.url} is closed`),
    );
    if (failure) {
      this.#opened.reject(failure);
      this.#closed.reject(failure);
    } else this.#closed.resolve({ closeCode: code, reason });
  }
}
