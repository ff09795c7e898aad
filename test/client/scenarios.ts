// The client scenarios, runtime-neutral (no node:*, Bun.*, Deno.*): each runner hands in its runtime's
// connect() and WebSocket and the servers' URLs. What the client put on the wire is checked through the
// scripted server's /result endpoint with fetch().
import { pattern } from '../codec/helpers.ts';
import type {
  BaseWebSocket,
  BaseWebSocketStream,
  ClientOptions,
  Connection,
  ConnectionListener,
  WebSocketError,
  WebSocketStreamOptions,
} from '../../src/api.ts';
import { AssertionError, eq, fail, ok, sameBytes, sleep, within } from '../support/assertions.ts';
import { frame, hex } from '../support/frames.ts';

export type Runtime = 'node' | 'bun' | 'deno';

export interface Env {
  runtime: Runtime;
  connect: (url: string | URL, listener: ConnectionListener, options?: ClientOptions) => Promise<Connection>;
  WebSocket: new (url: string | URL, protocols?: string | string[], options?: ClientOptions) => BaseWebSocket;
  WebSocketStream: new (url: string | URL, options?: WebSocketStreamOptions) => BaseWebSocketStream;
  /** The runtime's own echo server (ws / Bun.serve / Deno.serve), plain and TLS with the test certificate. */
  echoUrl: string;
  echoTlsUrl: string;
  /** The runtime's own server with permessage-deflate (Bun.serve), or null where it has none. */
  echoDeflateUrl: string | null;
  /** The test CA, PEM. */
  ca: string;
  beastUrl: string;
  beastTlsUrl: string;
  /** Options that make the Beast TLS port trusted (its self-signed certificate as CA). */
  beastTls: ClientOptions;
  /** The scripted server (ws://127.0.0.1:port), in the parent process. */
  scriptedUrl: string;
  /** ws's server with permessage-deflate, in the parent process: /takeover, /no-takeover, /small-window. */
  deflateUrl: string;
  /** A wss server (test CA) that requires a client certificate and first sends `client:<its CN>`. */
  mtlsUrl: string;
  clientCert: string;
  clientKey: string;
  /** clientKey encrypted with CLIENT_PASSPHRASE. */
  clientKeyEncrypted: string;
  /** A port nothing listens on. */
  refusedUrl: string;
  /** Real proxies in the parent (test/client/proxy-servers.ts), their credentials and a host they refuse. */
  proxies: SuiteProxies;
  /** Sets (undefined: removes) an environment variable of this process, for `proxy: 'env'`. */
  setEnv(name: string, value: string | undefined): void;
}

export interface SuiteProxies {
  httpProxy: string;
  socksProxy: string;
  hangingProxy: string;
  statsUrl: string;
  user: string;
  password: string;
  blockedHost: string;
}

export interface Scenario {
  name: string;
  timeout?: number;
  /** Only on these runtimes (default all). */
  runtimes?: Runtime[];
  run(env: Env): Promise<void>;
}

// ---- assertions ----

/** Runs `fn`, which must throw a DOMException named `name`. */
function throwsDom(fn: () => unknown, name: string, what: string): void {
  try {
    fn();
  } catch (error) {
    ok(error instanceof DOMException, `${what}: expected a DOMException, got ${String(error)}`);
    eq(error.name, name, `${what}: DOMException name`);
    return;
  }
  fail(`${what}: did not throw`);
}
/** Awaits `promise`, which must reject with a WebSocketError of `code`. */
async function rejects(promise: Promise<unknown>, codes: string | string[], what: string): Promise<WebSocketError> {
  const list = typeof codes === 'string' ? [codes] : codes;
  try {
    await promise;
  } catch (error) {
    const e = error as WebSocketError;
    ok(e instanceof Error, `${what}: rejected with a non-Error ${String(error)}`);
    ok(list.includes(e.code), `${what}: expected ${list.join(' or ')}, got ${e.code}: ${e.message}`);
    ok(e.message.length > 10, `${what}: the message says what happened`);
    return e;
  }
  fail(`${what}: resolved, expected ${list.join(' or ')}`);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---- payloads and frames ----

/** Deterministic pseudo-random bytes. */
const bytes = (n: number, seed = n): Uint8Array => pattern(n, (seed * 2654435761) ^ 0x9e3779b9);
/** A string of exactly `n` UTF-8 bytes, with 2-, 3- and 4-byte characters in it. */
function text(n: number): string {
  const unit = 'aé€😀z'; // 1 + 2 + 3 + 4 + 1 = 11 bytes
  let s = unit.repeat(Math.floor(n / 11));
  s += 'x'.repeat(n - encoder.encode(s).length);
  return s;
}

function closeBody(code: number, reason = ''): Uint8Array {
  const r = encoder.encode(reason);
  const out = new Uint8Array(2 + r.length);
  out[0] = code >> 8;
  out[1] = code & 255;
  out.set(r, 2);
  return out;
}

// ---- a listener that records ----

interface Closed {
  code: number;
  reason: string;
  wasClean: boolean;
}

class Recorder implements ConnectionListener {
  readonly messages: { data: Uint8Array; isText: boolean }[] = [];
  readonly pings: Uint8Array[] = [];
  readonly pongs: Uint8Array[] = [];
  readonly errors: WebSocketError[] = [];
  opens = 0;
  drains = 0;
  closed: Closed | null = null;
  closeCount = 0;
  private waiters: (() => void)[] = [];

  onOpen(): void {
    this.opens++;
    this.wake();
  }
  onMessage(data: Uint8Array, isText: boolean): void {
    this.messages.push({ data: data.slice(), isText });
    this.wake();
  }
  onPing(data: Uint8Array): void {
    this.pings.push(data.slice());
    this.wake();
  }
  onPong(data: Uint8Array): void {
    this.pongs.push(data.slice());
    this.wake();
  }
  onDrain(): void {
    this.drains++;
    this.wake();
  }
  onError(error: WebSocketError): void {
    this.errors.push(error);
    this.wake();
  }
  onClose(code: number, reason: string, wasClean: boolean): void {
    this.closeCount++;
    this.closed = { code, reason, wasClean };
    this.wake();
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Resolves once `cond` holds (checked after every event). */
  until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
    if (cond()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        const check = () => (cond() ? resolve() : this.waiters.push(check));
        this.waiters.push(check);
      }),
      ms,
      what,
    );
  }
  async message(index: number, ms = 5000): Promise<{ data: Uint8Array; isText: boolean }> {
    await this.until(() => this.messages.length > index, `message #${index}`, ms);
    return this.messages[index];
  }
  async close(ms = 5000): Promise<Closed> {
    await this.until(() => this.closed !== null, 'close', ms);
    return this.closed!;
  }
}

// ---- the scripted server ----

let nextId = 0;
function newId(runtime: string): string {
  return `${runtime}-${Date.now().toString(36)}-${++nextId}`;
}

interface WireRecord {
  requestLine: string;
  headers: { [name: string]: string };
  events: {
    type: string;
    isText?: boolean;
    length?: number;
    text?: string;
    hex?: string;
    code?: number;
    reason?: string;
  }[];
  error: string | null;
  ended: boolean;
  bytes: number;
  /** flood=: messages the server has handed to its socket so far. */
  flooded: number;
}

function scripted(env: Env, path: string, params: { [k: string]: string | number } = {}): { url: string; id: string } {
  const id = newId(env.runtime);
  const q = new URLSearchParams({ id, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
  return { url: `${env.scriptedUrl}${path}?${q}`, id };
}

async function wireOrNull(env: Env, id: string): Promise<WireRecord | null> {
  const res = await fetch(`${env.scriptedUrl.replace(/^ws:/, 'http:')}/result?id=${encodeURIComponent(id)}`);
  return (await res.json()) as WireRecord | null;
}
async function wire(env: Env, id: string): Promise<WireRecord> {
  const body = await wireOrNull(env, id);
  if (body === null) fail(`the scripted server has no record of connection ${id}`);
  return body;
}
/** Polls the scripted server's record until `cond` holds. */
async function wireUntil(
  env: Env,
  id: string,
  cond: (r: WireRecord) => boolean,
  what: string,
  ms = 3000,
): Promise<WireRecord> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await wireOrNull(env, id); // null: the request has not arrived yet
    if (r !== null && cond(r)) return r;
    if (Date.now() > deadline) fail(`${what}; the server saw ${JSON.stringify(r).slice(0, 600)}`);
    await sleep(25);
  }
}
const closeOnWire = (r: WireRecord) => r.events.find((e) => e.type === 'close');

// ---- echo ----

const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20];

async function echoConnect(env: Env, url: string, options: ClientOptions = {}): Promise<void> {
  const rec = new Recorder();
  const conn = await env.connect(url, rec, options);
  eq(conn.readyState, 1, 'readyState after connect()');
  let i = 0;
  for (const size of SIZES) {
    const payload = bytes(size);
    eq(conn.send(payload) || conn.bufferedAmount > 0, true, `send(${size}) returned false with nothing buffered`);
    const got = await rec.message(i++, 30_000);
    eq(got.isText, false, `binary ${size}: isText`);
    sameBytes(got.data, payload, `binary ${size} B echo`);
    const t = text(size);
    conn.sendText(t);
    const gotText = await rec.message(i++, 30_000);
    eq(gotText.isText, true, `text ${size}: isText`);
    sameBytes(gotText.data, encoder.encode(t), `text ${size} B echo`);
  }
  eq(rec.errors.length, 0, `errors: ${rec.errors.map((e) => e.message).join('; ')}`);
  conn.close(4000, 'done');
  eq(conn.readyState, 2, 'readyState after close()');
  const closed = await rec.close();
  eq(closed.code, 4000, 'the server echoed our close code');
  eq(closed.wasClean, true, 'wasClean');
  eq(conn.readyState, 3, 'readyState after onClose');
  eq(rec.closeCount, 1, 'onClose calls');
}

async function echoWebSocket(env: Env, url: string, options: ClientOptions = {}): Promise<void> {
  const ws = new env.WebSocket(url, [], options);
  ws.binaryType = 'arraybuffer';
  const received: (string | ArrayBuffer)[] = [];
  let wake: (() => void) | null = null;
  ws.onmessage = (e) => {
    received.push(e.data);
    wake?.();
  };
  const errors: Event[] = [];
  ws.onerror = (e) => errors.push(e);
  await within(new Promise((resolve) => (ws.onopen = resolve)), 10_000, 'open');
  const next = async (i: number) => {
    while (received.length <= i)
      await within(new Promise<void>((resolve) => (wake = resolve)), 30_000, `message #${i}`);
    return received[i];
  };
  let i = 0;
  for (const size of SIZES) {
    const payload = bytes(size, size + 7);
    ws.send(payload);
    const got = await next(i++);
    ok(got instanceof ArrayBuffer, `binary ${size}: expected an ArrayBuffer, got ${typeof got}`);
    sameBytes(new Uint8Array(got), payload, `binary ${size} B echo`);
    const t = text(size);
    ws.send(t);
    const gotText = await next(i++);
    ok(typeof gotText === 'string', `text ${size}: expected a string`);
    ok(gotText === t, `text ${size} B echo differs (${gotText.length} vs ${t.length} UTF-16 units)`);
  }
  eq(errors.length, 0, 'error events');
  const closed = new Promise<CloseEventLike>((resolve) => (ws.onclose = (e) => resolve(e)));
  ws.close(4001, 'bye');
  eq(ws.readyState, ws.CLOSING, 'readyState after close()');
  const e = await within(closed, 5000, 'close event');
  eq(e.code, 4001, 'close event code (the server echoed ours)');
  eq(e.wasClean, true, 'wasClean');
  eq(ws.readyState, ws.CLOSED, 'readyState after the close event');
}

interface CloseEventLike extends Event {
  code: number;
  reason: string;
  wasClean: boolean;
}

const ECHO_TIMEOUT = 60_000;
const echoScenarios: Scenario[] = [
  { name: 'echo/own/plain/connect', timeout: ECHO_TIMEOUT, run: (env) => echoConnect(env, env.echoUrl) },
  { name: 'echo/own/plain/WebSocket', timeout: ECHO_TIMEOUT, run: (env) => echoWebSocket(env, env.echoUrl) },
  {
    name: 'echo/own/tls/connect',
    timeout: ECHO_TIMEOUT,
    run: (env) => echoConnect(env, env.echoTlsUrl, { ca: env.ca }),
  },
  {
    name: 'echo/own/tls/WebSocket',
    timeout: ECHO_TIMEOUT,
    run: (env) => echoWebSocket(env, env.echoTlsUrl, { ca: env.ca }),
  },
  { name: 'echo/beast/plain/connect', timeout: ECHO_TIMEOUT, run: (env) => echoConnect(env, env.beastUrl) },
  { name: 'echo/beast/plain/WebSocket', timeout: ECHO_TIMEOUT, run: (env) => echoWebSocket(env, env.beastUrl) },
  {
    name: 'echo/beast/tls/connect',
    timeout: ECHO_TIMEOUT,
    run: (env) => echoConnect(env, env.beastTlsUrl, env.beastTls),
  },
  {
    name: 'echo/beast/tls/WebSocket',
    timeout: ECHO_TIMEOUT,
    run: (env) => echoWebSocket(env, env.beastTlsUrl, env.beastTls),
  },
];

// ---- the WebSocket class ----

const websocketScenarios: Scenario[] = [
  {
    name: 'websocket/constants, readyState, url, defaults',
    async run(env) {
      const W = env.WebSocket as unknown as { CONNECTING: number; OPEN: number; CLOSING: number; CLOSED: number };
      eq([W.CONNECTING, W.OPEN, W.CLOSING, W.CLOSED].join(), '0,1,2,3', 'static constants');
      const ws = new env.WebSocket(`${env.echoUrl.replace(/^ws:/, 'http:')}path?q=1`);
      eq([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED].join(), '0,1,2,3', 'instance constants');
      eq(ws.url, `${env.echoUrl}path?q=1`, 'url (http: becomes ws:)');
      eq(ws.readyState, 0, 'readyState while connecting');
      eq(ws.binaryType, 'blob', 'binaryType default');
      ws.binaryType = 'nonsense' as 'blob';
      eq(ws.binaryType, 'blob', 'an invalid binaryType is ignored');
      ws.binaryType = 'arraybuffer';
      eq(ws.binaryType, 'arraybuffer', 'binaryType set');
      eq(ws.protocol, '', 'protocol');
      eq(ws.extensions, '', 'extensions');
      eq(ws.bufferedAmount, 0, 'bufferedAmount while connecting');
      throwsDom(() => ws.send('x'), 'InvalidStateError', 'send() while CONNECTING');
      const order: string[] = [];
      ws.addEventListener('open', () => order.push('listener'));
      ws.onopen = () => order.push('onopen');
      await within(new Promise((resolve) => ws.addEventListener('open', resolve)), 5000, 'open');
      eq(order.join(), 'listener,onopen', 'open listeners, in the order added');
      eq(ws.readyState, 1, 'readyState when open');
      const closed = new Promise<CloseEventLike>((resolve) =>
        ws.addEventListener('close', (e) => resolve(e as CloseEventLike)),
      );
      ws.close();
      eq(ws.readyState, 2, 'readyState after close()');
      const e = await within(closed, 5000, 'close');
      eq(e.wasClean, true, 'wasClean');
      eq(ws.readyState, 3, 'readyState closed');
      ws.send('after close'); // does not throw; counts toward bufferedAmount
      eq(ws.bufferedAmount, 11, 'bufferedAmount after send() on a closed socket');
    },
  },
  {
    name: 'websocket/send string, ArrayBuffer, views, Blob in order; blob and arraybuffer messages',
    async run(env) {
      const ws = new env.WebSocket(env.echoUrl);
      const got: unknown[] = [];
      ws.onmessage = (e) => got.push(e.data);
      let errors = 0;
      ws.onerror = () => errors++;
      await within(new Promise((resolve) => (ws.onopen = resolve)), 5000, 'open');
      const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
      ws.send('one');
      ws.send(new Blob([new Uint8Array([10, 11]), 'blob']));
      eq(ws.bufferedAmount >= 6, true, `bufferedAmount counts the Blob being read (${ws.bufferedAmount})`);
      ws.send(new Uint8Array([4, 5, 6]).buffer);
      ws.send(backing.subarray(2, 5)); // a view with an offset: only its bytes
      ws.send(new DataView(backing.buffer, 1, 2));
      ws.send('six');
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (got.length >= 6) {
            clearInterval(t);
            resolve();
          }
        }, 5);
        setTimeout(() => {
          clearInterval(t);
          reject(new AssertionError(`only ${got.length} of 6 echoes`));
        }, 5000);
      });
      eq(got[0], 'one', 'message 1');
      eq(got[5], 'six', 'message 6');
      for (const i of [1, 2, 3, 4]) ok(got[i] instanceof Blob, `message ${i + 1}: binaryType 'blob' gives a Blob`);
      const blobs = await Promise.all(
        ([1, 2, 3, 4] as const).map(async (i) => new Uint8Array(await (got[i] as Blob).arrayBuffer())),
      );
      sameBytes(blobs[0], new Uint8Array([10, 11, 98, 108, 111, 98]), 'Blob sent in order');
      sameBytes(blobs[1], new Uint8Array([4, 5, 6]), 'ArrayBuffer');
      sameBytes(blobs[2], new Uint8Array([1, 2, 3]), 'Uint8Array view');
      sameBytes(blobs[3], new Uint8Array([9, 1]), 'DataView');
      ws.binaryType = 'arraybuffer';
      ws.send(new Uint8Array([7]));
      const before = got.length;
      await within(
        new Promise<void>((resolve) => ws.addEventListener('message', () => resolve(), { once: true })),
        5000,
        'arraybuffer message',
      );
      ok(got[before] instanceof ArrayBuffer, 'binaryType arraybuffer gives an ArrayBuffer');
      eq(errors, 0, 'error events');
      const closed = new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void));
      ws.close(1000, 'normal');
      const e = await within(closed, 5000, 'close');
      eq(e.code, 1000, 'close code');
      eq(e.wasClean, true, 'wasClean');
    },
  },
  {
    name: 'websocket/close() argument checks',
    async run(env) {
      const ws = new env.WebSocket(env.echoUrl);
      await within(new Promise((resolve) => (ws.onopen = resolve)), 5000, 'open');
      for (const code of [0, 999, 1001, 1005, 1006, 2999, 5000]) {
        throwsDom(() => ws.close(code), 'InvalidAccessError', `close(${code})`);
      }
      throwsDom(() => ws.close(1000, 'é'.repeat(62)), 'SyntaxError', 'close() with a 124-byte reason');
      eq(ws.readyState, 1, 'still open after rejected close() calls');
      const closed = new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void));
      ws.close(3000, 'x'.repeat(123));
      const e = await within(closed, 5000, 'close');
      eq(e.code, 3000, 'close code');
      eq(e.wasClean, true, 'wasClean');
    },
  },
  {
    name: 'websocket/bad URLs and protocols throw SyntaxError',
    async run(env) {
      for (const url of ['not a url', 'ftp://127.0.0.1/', 'ws://127.0.0.1/#fragment']) {
        throwsDom(() => new env.WebSocket(url), 'SyntaxError', `new WebSocket(${JSON.stringify(url)})`);
      }
      throwsDom(() => new env.WebSocket(env.echoUrl, ['a b']), 'SyntaxError', 'an invalid subprotocol');
      throwsDom(() => new env.WebSocket(env.echoUrl, ['chat', 'chat']), 'SyntaxError', 'a repeated subprotocol');
    },
  },
  {
    name: 'websocket/a refused connection: error, then close 1006',
    async run(env) {
      const ws = new env.WebSocket(env.refusedUrl);
      const events: string[] = [];
      let error: Event | null = null;
      ws.onerror = (e) => {
        events.push('error');
        error = e;
      };
      const closed = new Promise<CloseEventLike>((resolve) => {
        ws.onclose = (e) => {
          events.push('close');
          resolve(e);
        };
      });
      const e = await within(closed, 5000, 'close');
      eq(events.join(), 'error,close', 'events');
      eq(e.code, 1006, 'close code');
      eq(e.wasClean, false, 'wasClean');
      eq(ws.readyState, 3, 'readyState');
      eq(
        (error as unknown as { error?: WebSocketError })?.error?.code,
        'ERR_CONNECT',
        'the error event carries the WebSocketError',
      );
    },
  },
  {
    name: 'websocket/protocols and headers go out; protocol is the server choice',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { protocol: 'superchat' });
      const ws = new env.WebSocket(url, ['chat', 'superchat'], { headers: { 'X-Extra': 'yes' } });
      await within(new Promise((resolve) => (ws.onopen = resolve)), 5000, 'open');
      eq(ws.protocol, 'superchat', 'protocol');
      const r = await wire(env, id);
      eq(r.headers['sec-websocket-protocol'], 'chat, superchat', 'Sec-WebSocket-Protocol sent');
      eq(r.headers['x-extra'], 'yes', 'extra header sent');
      const closed = new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void));
      ws.close(4100, 'reason é');
      const e = await within(closed, 5000, 'close');
      eq(e.code, 4100, 'code');
      eq(e.reason, 'reason é', 'reason echoed by the server');
      const w = await wireUntil(env, id, (x) => !!closeOnWire(x), 'a close on the wire');
      eq(closeOnWire(w)?.code, 4100, 'close code on the wire');
      eq(closeOnWire(w)?.reason, 'reason é', 'close reason on the wire');
    },
  },
  {
    name: 'websocket/server close: close event with its code and reason, echoed on the wire',
    async run(env) {
      const { url, id } = scripted(env, '/ws', {
        frames: frame(0x88, closeBody(4321, 'server says bye')),
        closeInFrames: 1,
      });
      const ws = new env.WebSocket(url);
      const e = await within(
        new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void)),
        5000,
        'close',
      );
      eq(e.code, 4321, 'code');
      eq(e.reason, 'server says bye', 'reason');
      eq(e.wasClean, true, 'wasClean');
      const w = await wireUntil(env, id, (x) => !!closeOnWire(x), 'the echo on the wire');
      eq(closeOnWire(w)?.code, 4321, 'the client echoed the code');
    },
  },
  {
    name: 'websocket/a protocol error: error event, then close 1006',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { frames: frame(0x83) });
      const ws = new env.WebSocket(url);
      let error: WebSocketError | undefined;
      ws.onerror = (e) => (error = (e as unknown as { error: WebSocketError }).error);
      const e = await within(
        new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void)),
        5000,
        'close',
      );
      eq(error?.code, 'ERR_PROTOCOL', 'error');
      eq(e.code, 1006, 'close event code when the connection failed');
      eq(e.wasClean, false, 'wasClean');
      const w = await wireUntil(env, id, (x) => !!closeOnWire(x), 'a close on the wire');
      eq(closeOnWire(w)?.code, 1002, 'close code on the wire');
    },
  },
];

// ---- the handshake ----

const handshakeScenarios: Scenario[] = [
  {
    name: 'handshake/an IPv6 literal: connects to [::1], Host keeps the brackets and the port',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { echo: 1 });
      const v6 = url.replace('ws://127.0.0.1:', 'ws://[::1]:');
      const rec = new Recorder();
      const conn = await env.connect(v6, rec);
      eq(conn.url, v6, 'url');
      conn.sendText('over IPv6');
      const m = await rec.message(0);
      eq(new TextDecoder().decode(m.data), 'over IPv6', 'echo');
      const r = await wire(env, id);
      eq(r.headers.host, new URL(v6).host, 'Host');
      conn.close(1000);
      await rec.close();
    },
  },
  {
    name: 'handshake/request: key, version, host, path and query, subprotocols, extra headers',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { protocol: 'b' });
      const rec = new Recorder();
      const conn = await env.connect(`${url}&x=%20y`, rec, {
        protocols: ['a', 'b'],
        headers: { 'X-Test': 'hello', Authorization: 'Bearer t' },
      });
      eq(conn.protocol, 'b', 'protocol chosen by the server');
      const r = await wire(env, id);
      ok(
        r.requestLine.startsWith(`GET /ws?id=${id}`) && r.requestLine.endsWith('&x=%20y HTTP/1.1'),
        `request line ${r.requestLine}`,
      );
      eq(r.headers.host, new URL(env.scriptedUrl).host, 'Host');
      eq(r.headers.upgrade?.toLowerCase(), 'websocket', 'Upgrade');
      eq(r.headers.connection?.toLowerCase(), 'upgrade', 'Connection');
      eq(r.headers['sec-websocket-version'], '13', 'version');
      const key = atob(r.headers['sec-websocket-key'] ?? '');
      eq(key.length, 16, 'the key is 16 bytes, base64');
      eq(r.headers['sec-websocket-protocol'], 'a, b', 'subprotocols offered');
      eq(r.headers['x-test'], 'hello', 'extra header');
      eq(r.headers.authorization, 'Bearer t', 'extra header');
      // A second connection gets another key.
      const { url: url2, id: id2 } = scripted(env, '/ws');
      const rec2 = new Recorder();
      const conn2 = await env.connect(url2, rec2);
      const r2 = await wire(env, id2);
      ok(r2.headers['sec-websocket-key'] !== r.headers['sec-websocket-key'], 'a fresh key per connection');
      conn.close(1000);
      conn2.close(1000);
      await rec.close();
      await rec2.close();
    },
  },
  {
    name: 'handshake/unoffered subprotocol: ERR_HANDSHAKE',
    async run(env) {
      const { url } = scripted(env, '/ws', { protocol: 'other' });
      await rejects(
        env.connect(url, new Recorder(), { protocols: ['chat'] }),
        'ERR_HANDSHAKE',
        'unoffered subprotocol',
      );
      const { url: url2 } = scripted(env, '/ws', { protocol: 'chat' });
      await rejects(env.connect(url2, new Recorder()), 'ERR_HANDSHAKE', 'a subprotocol when none was offered');
    },
  },
  {
    name: 'handshake/unrequested extension: ERR_HANDSHAKE',
    async run(env) {
      // permessage-deflate when it was not offered, and an extension nobody offers.
      const { url, id } = scripted(env, '/ws', { extensions: 'permessage-deflate' });
      const options = { perMessageDeflate: false };
      const e = await rejects(env.connect(url, new Recorder(), options), 'ERR_HANDSHAKE', 'unrequested extension');
      ok(/extension/i.test(e.message), `message names the extension: ${e.message}`);
      await wireUntil(env, id, (r) => r.ended, 'the socket was closed');
      const { url: other } = scripted(env, '/ws', { extensions: 'x-webkit-deflate-frame' });
      const e2 = await rejects(env.connect(other, new Recorder()), 'ERR_HANDSHAKE', 'an extension never offered');
      ok(e2.message.includes('x-webkit-deflate-frame'), `message names the extension: ${e2.message}`);
    },
  },
  {
    name: 'handshake/the signal option: ERR_ABORTED at any stage with the socket closed; an open connection closes with 1000',
    async run(env) {
      // Aborted before: rejected, and nothing connects.
      const { url: first, id: firstId } = scripted(env, '/ws');
      await rejects(
        env.connect(first, new Recorder(), { signal: AbortSignal.abort() }),
        'ERR_ABORTED',
        'aborted before',
      );
      await sleep(100);
      eq(await wireOrNull(env, firstId), null, 'no connection was made');
      // While the server holds the 101 back.
      const { url, id } = scripted(env, '/silent');
      const controller = new AbortController();
      const rec = new Recorder();
      const pending = env.connect(url, rec, { signal: controller.signal });
      await wireUntil(env, id, () => true, 'the request arrived');
      controller.abort(new Error('the user gave up'));
      const e = await rejects(pending, 'ERR_ABORTED', 'aborted while waiting for the 101');
      ok(e.message.includes('the user gave up'), `the message gives the reason: ${e.message}`);
      eq(rec.closed?.code, 1006, 'onClose 1006');
      await wireUntil(env, id, (r) => r.ended, 'the socket was closed');
      // While TCP connects (a port nothing listens on fails on its own; aborting at once wins or loses
      // that race, and either way the promise settles with a WebSocketError).
      const racing = new AbortController();
      const connecting = env.connect(env.refusedUrl, new Recorder(), { signal: racing.signal });
      racing.abort();
      await rejects(connecting, ['ERR_ABORTED', 'ERR_CONNECT'], 'aborted while connecting');
      // Open: the close handshake, with 1000.
      const { url: open, id: openId } = scripted(env, '/ws');
      const opened = new AbortController();
      const rec2 = new Recorder();
      await env.connect(open, rec2, { signal: opened.signal });
      opened.abort();
      const closed = await rec2.close();
      eq(closed.code, 1000, 'close code');
      eq(closed.wasClean, true, 'wasClean');
      const r = await wireUntil(env, openId, (w) => closeOnWire(w) !== undefined, 'our close frame');
      eq(closeOnWire(r)?.code, 1000, 'the close frame we sent');
      // The WebSocket class: an error event, then a close event with 1006.
      const { url: classUrl } = scripted(env, '/silent');
      const byClass = new AbortController();
      const ws = new env.WebSocket(classUrl, [], { signal: byClass.signal });
      const events: string[] = [];
      const done = new Promise<number>((resolve) => {
        ws.onerror = () => events.push('error');
        ws.onclose = (event) => resolve((event as unknown as { code: number }).code);
      });
      byClass.abort();
      eq(await within(done, 5000, 'close event'), 1006, 'close event code');
      eq(events.join(','), 'error', 'an error event first');
      // Not an AbortSignal: a TypeError naming the option, before anything connects.
      try {
        await env.connect(env.refusedUrl, new Recorder(), { signal: {} as AbortSignal });
        fail('a signal that is not an AbortSignal was accepted');
      } catch (error) {
        ok(error instanceof TypeError && String(error).includes('signal'), `TypeError naming signal: ${String(error)}`);
      }
    },
  },
  {
    name: 'keepalive: pings only when nothing arrives, none while data flows; ERR_PING_TIMEOUT and 1011 when nothing answers',
    async run(env) {
      // Idle: a ping every 150 ms, each answered: still open.
      const { url, id } = scripted(env, '/ws', { echo: 1 });
      const rec = new Recorder();
      const conn = await env.connect(url, rec, { pingInterval: 150 });
      await sleep(700);
      let r = await wire(env, id);
      const pings = r.events.filter((e) => e.type === 'ping').length;
      ok(pings >= 2 && pings <= 5, `idle for 700 ms with pingInterval 150: ${pings} pings`);
      eq(conn.readyState, 1, 'still open');
      // Busy: a message echoed every 50 ms for 600 ms: no ping.
      const before = pings;
      for (let i = 0; i < 12; i++) {
        conn.sendText(`tick ${i}`);
        await sleep(50);
      }
      r = await wire(env, id);
      eq(r.events.filter((e) => e.type === 'ping').length, before, 'no ping while messages come every 50 ms');
      conn.close();
      await rec.close();
      // A server that answers nothing: ERR_PING_TIMEOUT, 1011.
      const { url: mute, id: muteId } = scripted(env, '/ws', { nopong: 1 });
      const rec2 = new Recorder();
      const started = Date.now();
      await env.connect(mute, rec2, { pingInterval: 100, pongTimeout: 200 });
      await rec2.close(5000);
      const elapsed = Date.now() - started;
      eq(rec2.errors[0]?.code, 'ERR_PING_TIMEOUT', `error: ${rec2.errors[0]?.message}`);
      eq(rec2.errors[0]?.closeCode, 1011, 'closeCode');
      ok(elapsed >= 250, `failed after ${elapsed} ms (100 + 200 at least)`);
      const w = await wireUntil(env, muteId, (x) => closeOnWire(x) !== undefined, 'our close frame');
      eq(closeOnWire(w)?.code, 1011, 'the close frame we sent');
      // Options are checked.
      for (const bad of [{ pingInterval: 0 }, { pongTimeout: -5 }, { pingInterval: 1.5 }]) {
        try {
          await env.connect(env.refusedUrl, new Recorder(), bad);
          fail(`${JSON.stringify(bad)} was accepted`);
        } catch (error) {
          ok(error instanceof RangeError && String(error).includes(Object.keys(bad)[0]), String(error));
        }
      }
    },
  },
  {
    name: 'handshake/non-101 answers: ERR_HANDSHAKE_STATUS with status',
    async run(env) {
      for (const code of [200, 404]) {
        const { url } = scripted(env, '/status', { code });
        const e = await rejects(env.connect(url, new Recorder()), 'ERR_HANDSHAKE_STATUS', `status ${code}`);
        eq(e.status, code, 'status');
        ok(e.message.includes(String(code)), `the message names the status: ${e.message}`);
        eq(e.response?.status, code, 'response.status');
        eq(e.response?.statusText, 'Whatever', 'response.statusText');
        eq(e.response?.headers['x-reason'], 'scripted', 'response.headers');
        eq(e.response?.body, 'not a websocket', 'response.body');
        ok(e.message.includes('not a websocket'), `the message gives the body: ${e.message}`);
      }
      // The body by chunked coding, or coming after the head on a socket left open; and a long one, cut.
      const reason = 'Forbidden: your token expired — renew it';
      for (const params of [{ chunked: 1 }, { hold: 1 }, { hold: 1, chunked: 1 }] as Record<string, number>[]) {
        const { url } = scripted(env, '/status', { code: 403, body: reason, ...params });
        const e = await rejects(env.connect(url, new Recorder()), 'ERR_HANDSHAKE_STATUS', JSON.stringify(params));
        eq(e.response?.body, reason, `the body (${JSON.stringify(params)})`);
      }
      const { url: long } = scripted(env, '/status', { code: 500, body: 'x'.repeat(10_000) });
      const e = await rejects(env.connect(long, new Recorder()), 'ERR_HANDSHAKE_STATUS', 'a long body');
      eq(e.response?.body?.length, 4096, 'the body is cut at 4096 bytes');
    },
  },
  {
    name: 'WebSocket class: ping() and pong(), ping and pong events (as Bun and ws have them)',
    async run(env) {
      // The server pings first (frames after the 101), then answers our ping with its payload.
      const { url, id } = scripted(env, '/ws', { frames: frame(0x89, 'srv') });
      const ws = new env.WebSocket(url);
      const events: string[] = [];
      const decode = (d: unknown) => decoder.decode(new Uint8Array(d as ArrayBuffer));
      ws.addEventListener('ping', (e) => events.push(`ping:${decode((e as MessageEvent).data)}`));
      const pong = new Promise<string>((resolve) =>
        ws.addEventListener('pong', (e) => resolve(decode((e as MessageEvent).data))),
      );
      const w = ws as unknown as { ping(d?: unknown): void; pong(d?: unknown): void };
      throwsDom(() => w.ping('early'), 'InvalidStateError', 'ping() while connecting');
      await within(new Promise((resolve) => (ws.onopen = resolve)), 5000, 'open');
      w.ping('hello');
      eq(await within(pong, 5000, 'pong event'), 'hello', 'the pong carries the ping payload');
      w.pong(new Uint8Array([1, 2, 3]));
      const r = await wireUntil(
        env,
        id,
        (x) => x.events.some((e) => e.type === 'pong' && e.hex === '010203'),
        'our pong',
      );
      ok(
        r.events.some((e) => e.type === 'ping' && e.hex === '68656c6c6f'),
        'our ping on the wire',
      );
      eq(events.join(','), 'ping:srv', 'the ping event');
      try {
        w.ping('x'.repeat(126));
        fail('a 126-byte ping was accepted');
      } catch (error) {
        ok(error instanceof RangeError, `RangeError: ${String(error)}`);
      }
      const closed = new Promise((resolve) => (ws.onclose = resolve));
      ws.close();
      await within(closed, 5000, 'close');
      w.ping('after close'); // nothing, no error
    },
  },
  {
    name: 'handshake/redirects: not followed by default; followRedirects follows 301-308 (http: too), drops credentials across origins, ERR_REDIRECT on loops and too many hops',
    async run(env) {
      const base = env.scriptedUrl;
      const port = new URL(base).port;
      // Not followed: the 302 is the error, its Location in the response.
      const { url: plain } = scripted(env, '/redirect', { to: '/ws' });
      const e = await rejects(env.connect(plain, new Recorder()), 'ERR_HANDSHAKE_STATUS', 'a 302 not followed');
      eq(e.status, 302, 'status');
      eq(e.response?.headers.location, '/ws', 'the Location');
      // Followed, each status, to a relative Location; the headers go along on the same origin.
      const headers = { Authorization: 'Bearer secret', Cookie: 'a=b', 'X-Keep': 'yes' };
      for (const code of [301, 302, 303, 307, 308]) {
        const id = newId(env.runtime);
        const { url } = scripted(env, '/redirect', { code, to: `/ws?id=${id}` });
        const rec = new Recorder();
        const conn = await env.connect(url, rec, { followRedirects: true, headers });
        eq(conn.readyState, 1, `${code}: open`);
        const r = await wire(env, id);
        eq(r.headers.authorization, 'Bearer secret', `${code}: Authorization kept on the same origin`);
        conn.close();
        await rec.close();
      }
      // To http://localhost (another origin, the same server): credentials dropped, others kept.
      const id = newId(env.runtime);
      const { url: cross } = scripted(env, '/redirect', { to: `http://localhost:${port}/ws?id=${id}` });
      const rec = new Recorder();
      const conn = await env.connect(cross, rec, { followRedirects: true, headers });
      const r = await wire(env, id);
      eq(r.headers.authorization, undefined, 'no Authorization to another origin');
      eq(r.headers.cookie, undefined, 'no Cookie to another origin');
      eq(r.headers['x-keep'], 'yes', 'other headers kept');
      conn.close();
      await rec.close();
      // A loop, and one hop more than maxRedirects.
      // An empty Location is the URL itself.
      const { url: loop } = scripted(env, '/redirect', { to: '' });
      const looped = await rejects(
        env.connect(loop, new Recorder(), { followRedirects: true }),
        'ERR_REDIRECT',
        'a loop',
      );
      ok(/loop/i.test(looped.message), `the message says loop: ${looped.message}`);
      const last = `/ws?id=${newId(env.runtime)}`;
      const hop2 = `/redirect?to=${encodeURIComponent(last)}`;
      const hop1 = `/redirect?to=${encodeURIComponent(hop2)}`;
      const chain = `${base}/redirect?to=${encodeURIComponent(hop1)}`;
      const tooMany = await rejects(
        env.connect(chain, new Recorder(), { followRedirects: true, maxRedirects: 2 }),
        'ERR_REDIRECT',
        'three hops with maxRedirects 2',
      );
      ok(/maxRedirects/.test(tooMany.message), `the message names maxRedirects: ${tooMany.message}`);
      const rec3 = new Recorder();
      const three = await env.connect(chain, rec3, { followRedirects: true, maxRedirects: 3 });
      eq(three.readyState, 1, 'three hops with maxRedirects 3: open');
      three.close();
      await rec3.close();
    },
  },
  {
    name: 'handshake/the response: status and headers on open (both APIs); origin sends Origin',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { protocol: 'chat' });
      const rec = new Recorder();
      const conn = await env.connect(url, rec, { protocols: ['chat'], origin: 'https://app.example' });
      eq(conn.response?.status, 101, 'status');
      eq(conn.response?.statusText, 'Switching Protocols', 'statusText');
      eq(conn.response?.headers['sec-websocket-protocol'], 'chat', 'headers');
      eq((await wire(env, id)).headers.origin, 'https://app.example', 'Origin sent');
      conn.close();
      await rec.close();
      const { url: classUrl, id: classId } = scripted(env, '/ws');
      const ws = new env.WebSocket(classUrl, [], {
        origin: 'https://other.example',
        headers: { Origin: 'https://mine' },
      });
      eq((ws as unknown as { response: unknown }).response, null, 'no response before open');
      await within(new Promise((resolve) => (ws.onopen = resolve)), 5000, 'open');
      eq((ws as unknown as { response: { status: number } }).response.status, 101, 'ws.response.status');
      eq((await wire(env, classId)).headers.origin, 'https://mine', 'a headers entry for Origin wins');
      const closed = new Promise((resolve) => (ws.onclose = resolve));
      ws.close();
      await within(closed, 5000, 'close');
    },
  },
  {
    name: 'handshake/bad accept key, missing Upgrade, missing Connection, garbage: ERR_HANDSHAKE',
    async run(env) {
      for (const path of ['/bad-accept', '/no-upgrade', '/no-connection', '/garbage']) {
        const { url, id } = scripted(env, path);
        const rec = new Recorder();
        const e = await rejects(env.connect(url, rec), 'ERR_HANDSHAKE', path);
        if (path === '/bad-accept') ok(/accept/i.test(e.message), `message: ${e.message}`);
        if (path === '/no-upgrade') ok(/upgrade/i.test(e.message), `message: ${e.message}`);
        eq(rec.errors[0]?.code, 'ERR_HANDSHAKE', `${path}: onError`);
        eq(rec.closed?.code, 1006, `${path}: onClose 1006`);
        if (path !== '/garbage') await wireUntil(env, id, (r) => r.ended, `${path}: the socket was closed`);
      }
    },
  },
  {
    name: 'handshake/closed mid-header: ERR_CLOSED_DURING_HANDSHAKE',
    async run(env) {
      const { url } = scripted(env, '/close-mid-header');
      await rejects(
        env.connect(url, new Recorder()),
        ['ERR_CLOSED_DURING_HANDSHAKE', 'ERR_CONNECT'],
        'closed mid-header',
      );
    },
  },
  {
    name: 'handshake/timeout: ERR_HANDSHAKE_TIMEOUT, and the socket is closed',
    async run(env) {
      const { url, id } = scripted(env, '/silent');
      const started = Date.now();
      await rejects(
        env.connect(url, new Recorder(), { handshakeTimeout: 300 }),
        'ERR_HANDSHAKE_TIMEOUT',
        'silent server',
      );
      const ms = Date.now() - started;
      ok(ms >= 250 && ms < 3000, `timed out after ${ms} ms, expected ~300`);
      await wireUntil(env, id, (r) => r.ended, 'the socket was closed');
    },
  },
  {
    name: 'handshake/close() while connecting rejects with ERR_CLOSED_DURING_HANDSHAKE',
    async run(env) {
      const { url, id } = scripted(env, '/silent');
      const rec = new Recorder();
      const ws = new env.WebSocket(url);
      const closed = new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void));
      await wireUntil(env, id, (r) => r.requestLine !== '', 'the request arrived');
      ws.close();
      const e = await within(closed, 3000, 'close');
      eq(e.code, 1006, 'close code');
      await wireUntil(env, id, (r) => r.ended, 'the socket was closed');
      void rec;
    },
  },
  {
    name: 'errors/bad URLs: ERR_INVALID_URL',
    async run(env) {
      for (const url of ['not a url', 'ftp://127.0.0.1/', 'ws://127.0.0.1/#x', 'ws://:80/']) {
        await rejects(env.connect(url, new Recorder()), 'ERR_INVALID_URL', JSON.stringify(url));
      }
    },
  },
  {
    name: 'errors/refused connection: ERR_CONNECT',
    async run(env) {
      const rec = new Recorder();
      const e = await rejects(env.connect(env.refusedUrl, rec), 'ERR_CONNECT', 'refused');
      ok(e.message.includes(new URL(env.refusedUrl).port), `the message names the address: ${e.message}`);
      eq(rec.closed?.code, 1006, 'onClose');
    },
  },
];

// ---- TLS ----

const tlsScenarios: Scenario[] = [
  {
    name: 'tls/client certificates: a server that requires one opens with cert and key, refuses without',
    async run(env) {
      const options = { ca: env.ca, cert: env.clientCert, key: env.clientKey };
      const rec = new Recorder();
      const conn = await env.connect(env.mtlsUrl, rec, options);
      const first = await rec.message(0);
      eq(decoder.decode(first.data), 'client:wasm-ws test client', 'the server saw our certificate');
      conn.close();
      await rec.close();
      // The WebSocket class takes the same options.
      const ws = new env.WebSocket(env.mtlsUrl, [], options);
      const message = await within(
        new Promise<string>((resolve) => (ws.onmessage = (e) => resolve(String(e.data)))),
        5000,
        'the class: first message',
      );
      eq(message, 'client:wasm-ws test client', 'the class: the server saw our certificate');
      const closed = new Promise((resolve) => (ws.onclose = resolve));
      ws.close();
      await within(closed, 5000, 'close');
      // Without one: the server refuses (during TLS or right after it, depending on the TLS version).
      await rejects(
        env.connect(env.mtlsUrl, new Recorder(), { ca: env.ca }),
        ['ERR_TLS', 'ERR_CONNECT', 'ERR_CLOSED_DURING_HANDSHAKE'],
        'no client certificate',
      );
      // cert without key: a TypeError before connecting.
      try {
        await env.connect(env.mtlsUrl, new Recorder(), { ca: env.ca, cert: env.clientCert });
        fail('cert without key was accepted');
      } catch (error) {
        ok(error instanceof TypeError && /cert and key/.test(String(error)), String(error));
      }
      // An encrypted key, with its passphrase.
      const encrypted = { ...options, key: env.clientKeyEncrypted, passphrase: 'test passphrase' };
      const rec2 = new Recorder();
      const conn2 = await env.connect(env.mtlsUrl, rec2, encrypted);
      eq(decoder.decode((await rec2.message(0)).data), 'client:wasm-ws test client', 'with a decrypted key');
      conn2.close();
      await rec2.close();
    },
  },
  {
    name: 'tls/without the CA: ERR_TLS',
    async run(env) {
      const rec = new Recorder();
      await rejects(env.connect(env.echoTlsUrl, rec), 'ERR_TLS', 'untrusted certificate');
      eq(rec.closed?.code, 1006, 'onClose');
      const ws = new env.WebSocket(env.echoTlsUrl);
      let code: string | undefined;
      ws.onerror = (e) => (code = (e as unknown as { error: WebSocketError }).error.code);
      const e = await within(
        new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void)),
        5000,
        'close',
      );
      eq(code, 'ERR_TLS', 'WebSocket error');
      eq(e.code, 1006, 'close code');
    },
  },
  {
    name: 'tls/with the CA but the wrong server name: ERR_TLS',
    async run(env) {
      await rejects(
        env.connect(env.echoTlsUrl, new Recorder(), { ca: env.ca, servername: 'example.com' }),
        'ERR_TLS',
        'name mismatch',
      );
    },
  },
  {
    name: 'tls/rejectUnauthorized false connects without the CA',
    async run(env) {
      const rec = new Recorder();
      const conn = await env.connect(env.echoTlsUrl, rec, { rejectUnauthorized: false });
      conn.sendText('insecure');
      eq(decoder.decode((await rec.message(0)).data), 'insecure', 'echo');
      conn.close(1000);
      eq((await rec.close()).wasClean, true, 'clean close');
    },
  },
];

// ---- frames ----

/** Connects to the scripted server sending `frames` after the handshake; returns the recorder and wire id. */
async function withFrames(
  env: Env,
  frames: string,
  options: ClientOptions = {},
  params: { [k: string]: string | number } = {},
) {
  const { url, id } = scripted(env, '/ws', { frames, ...params });
  const rec = new Recorder();
  const conn = await env.connect(url, rec, options);
  return { rec, conn, id };
}

const frameScenarios: Scenario[] = [
  {
    name: 'frames/server-fragmented messages are reassembled',
    async run(env) {
      const big = bytes(3000, 1);
      const frames =
        frame(0x01, 'Hel') +
        frame(0x00, '') +
        frame(0x80, 'lo é') + // text in three, one empty
        frame(0x02, big.subarray(0, 1000)) +
        frame(0x00, big.subarray(1000, 2000)) +
        frame(0x80, big.subarray(2000)) +
        frame(0x01, new Uint8Array([0xe2, 0x82])) +
        frame(0x80, new Uint8Array([0xac])); // € split across frames
      const { rec, conn } = await withFrames(env, frames);
      await rec.until(() => rec.messages.length >= 3, 'three messages');
      eq(rec.messages[0].isText, true, 'text');
      eq(decoder.decode(rec.messages[0].data), 'Hello é', 'text reassembled');
      eq(rec.messages[1].isText, false, 'binary');
      sameBytes(rec.messages[1].data, big, 'binary reassembled');
      eq(decoder.decode(rec.messages[2].data), '€', 'a character split across fragments');
      eq(rec.errors.length, 0, 'no errors');
      conn.close(1000);
      await rec.close();
    },
  },
  {
    name: 'frames/frames that come with the 101 are delivered after open',
    async run(env) {
      const { rec, conn } = await withFrames(
        env,
        frame(0x81, 'early') + frame(0x82, new Uint8Array([1, 2])),
        {},
        { withHead: 1 },
      );
      await rec.until(() => rec.messages.length >= 2, 'two messages');
      eq(decoder.decode(rec.messages[0].data), 'early', 'first');
      sameBytes(rec.messages[1].data, new Uint8Array([1, 2]), 'second');
      conn.close(1000);
      await rec.close();
    },
  },
  {
    name: 'ping/server pings are answered with the same payload, also mid-message',
    async run(env) {
      const frames =
        frame(0x89, 'hello') +
        frame(0x01, 'abc') +
        frame(0x89, new Uint8Array([0, 255, 7])) +
        frame(0x80, 'def') +
        frame(0x89, '');
      const { rec, conn, id } = await withFrames(env, frames);
      await rec.until(() => rec.messages.length >= 1 && rec.pings.length >= 3, 'message and pings');
      eq(decoder.decode(rec.messages[0].data), 'abcdef', 'the fragmented message around the ping');
      const w = await wireUntil(
        env,
        id,
        (r) => r.events.filter((e) => e.type === 'pong').length >= 3,
        'three pongs on the wire',
      );
      const pongs = w.events.filter((e) => e.type === 'pong').map((e) => e.hex);
      eq(pongs.join(), [hex(encoder.encode('hello')), '00ff07', ''].join(), 'pong payloads');
      eq(w.error, null, 'the client frames parse (masked)');
      conn.close(1000);
      await rec.close();
    },
  },
  {
    name: 'ping/measureRoundTrip and ping() against the scripted and the own server',
    async run(env) {
      const { url, id } = scripted(env, '/ws');
      for (const target of [url, env.echoUrl]) {
        const rec = new Recorder();
        const conn = await env.connect(target, rec);
        const ms = await within(conn.measureRoundTrip(), 3000, 'measureRoundTrip');
        ok(typeof ms === 'number' && ms > 0 && ms < 3000, `round trip ${ms} ms`);
        const ms2 = await within(conn.measureRoundTrip(), 3000, 'second measureRoundTrip');
        ok(ms2 > 0, `second round trip ${ms2}`);
        conn.ping(new Uint8Array([1, 2, 3]));
        await rec.until(() => rec.pongs.some((p) => p.length === 3 && p[0] === 1 && p[2] === 3), 'pong for ping()');
        let threw = false;
        try {
          conn.ping(new Uint8Array(126));
        } catch (e) {
          threw = e instanceof RangeError;
        }
        ok(threw, 'a 126-byte ping payload throws RangeError');
        conn.close(1000);
        await rec.close();
      }
      const w = await wire(env, id);
      eq(w.events.filter((e) => e.type === 'ping').length, 3, 'pings on the wire');
    },
  },
  {
    name: 'ping/unsolicited pongs are ignored',
    async run(env) {
      const fakeId = new Uint8Array(8);
      new DataView(fakeId.buffer).setFloat64(0, 1); // what the first measureRoundTrip would use
      const { rec, conn } = await withFrames(env, frame(0x8a, 'xyz') + frame(0x8a, fakeId) + frame(0x81, 'after'));
      await rec.message(0);
      eq(decoder.decode(rec.messages[0].data), 'after', 'the message after the pongs');
      eq(rec.errors.length, 0, 'no errors');
      eq(conn.readyState, 1, 'still open');
      const ms = await within(conn.measureRoundTrip(), 3000, 'measureRoundTrip after an unsolicited pong');
      ok(ms > 0, 'round trip');
      conn.close(1000);
      eq((await rec.close()).wasClean, true, 'clean');
    },
  },
];

// ---- close ----

const closeScenarios: Scenario[] = [
  {
    name: 'close/client-initiated: the server echo reaches onClose; code and reason on the wire',
    async run(env) {
      const { url, id } = scripted(env, '/ws');
      const rec = new Recorder();
      const conn = await env.connect(url, rec);
      conn.close(4000, 'done ✓');
      eq(conn.readyState, 2, 'CLOSING');
      conn.sendText('ignored'); // nothing is sent after a close
      const closed = await rec.close();
      eq(closed.code, 4000, 'code');
      eq(closed.reason, 'done ✓', 'reason');
      eq(closed.wasClean, true, 'wasClean');
      const w = await wireUntil(env, id, (r) => r.ended, 'the TCP connection ended');
      eq(w.events.length, 1, `only the close on the wire: ${JSON.stringify(w.events)}`);
      eq(closeOnWire(w)?.code, 4000, 'code on the wire');
      eq(closeOnWire(w)?.reason, 'done ✓', 'reason on the wire');
      let threw = false;
      try {
        conn.close(1005);
      } catch (e) {
        threw = e instanceof RangeError;
      }
      ok(threw, 'close(1005) throws RangeError');
    },
  },
  {
    name: 'close/server-initiated: the client echoes the code',
    async run(env) {
      for (const [body, expected] of [
        [closeBody(1001, 'going away'), 1001],
        [new Uint8Array(0), 1005],
      ] as const) {
        const { rec, id } = await withFrames(env, frame(0x88, body), {}, { closeInFrames: 1 });
        const closed = await rec.close();
        eq(closed.code, expected, 'onClose code');
        eq(closed.reason, expected === 1001 ? 'going away' : '', 'onClose reason');
        eq(closed.wasClean, true, 'wasClean');
        const w = await wireUntil(env, id, (r) => !!closeOnWire(r) && r.ended, 'the echo on the wire');
        eq(closeOnWire(w)?.code, expected, 'echoed code on the wire');
      }
    },
  },
  {
    name: 'close/data after a close is ignored',
    async run(env) {
      const { rec, id } = await withFrames(
        env,
        frame(0x81, 'before') + frame(0x88, closeBody(1000)) + frame(0x81, 'after') + frame(0x89, 'p'),
        {},
        { closeInFrames: 1 },
      );
      const closed = await rec.close();
      eq(closed.code, 1000, 'code');
      eq(rec.messages.map((m) => decoder.decode(m.data)).join(), 'before', 'messages');
      eq(rec.pings.length, 0, 'pings after the close');
      const w = await wireUntil(env, id, (r) => r.ended, 'ended');
      eq(w.events.filter((e) => e.type === 'pong').length, 0, 'no pong after the close');
    },
  },
  {
    name: 'close/close timeout: a server that never answers the close',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { noCloseReply: 1 });
      const rec = new Recorder();
      const conn = await env.connect(url, rec, { closeTimeout: 200 });
      const started = Date.now();
      conn.close(1000);
      const closed = await rec.close(3000);
      const ms = Date.now() - started;
      ok(ms >= 150 && ms < 2500, `closed after ${ms} ms, expected ~200`);
      eq(closed.wasClean, false, 'wasClean');
      eq(closed.code, 1006, 'code');
      await wireUntil(env, id, (r) => r.ended, 'the socket was destroyed');
    },
  },
];

// ---- broken frames from the server ----

const OVER = bytes(200, 3);
const broken: { name: string; frames: string; code: number; options?: ClientOptions; kind?: string }[] = [
  { name: 'reserved opcode', frames: frame(0x83), code: 1002 },
  { name: 'reserved control opcode', frames: frame(0x8b), code: 1002 },
  { name: 'RSV1 bit', frames: frame(0xc1, 'x'), code: 1002 },
  { name: 'RSV3 bit', frames: frame(0x92, 'x'), code: 1002 },
  { name: 'masked server frame', frames: frame(0x81, 'hi', [1, 2, 3, 4]), code: 1002 },
  { name: 'invalid UTF-8', frames: frame(0x81, new Uint8Array([0x68, 0xc3, 0x28])), code: 1007 },
  {
    name: 'invalid UTF-8 across fragments',
    frames: frame(0x01, new Uint8Array([0xe2, 0x82])) + frame(0x80, new Uint8Array([0x28])),
    code: 1007,
  },
  { name: 'message over maxMessage', frames: frame(0x82, OVER), code: 1009, options: { maxMessage: 100 } },
  {
    name: 'fragmented message over maxMessage',
    frames: frame(0x02, OVER.subarray(0, 60)) + frame(0x80, OVER.subarray(60, 120)),
    code: 1009,
    options: { maxMessage: 100 },
  },
  { name: 'fragmented control frame', frames: frame(0x09, 'p'), code: 1002 },
  { name: 'control frame over 125 bytes', frames: frame(0x89, bytes(126)), code: 1002 },
  { name: 'continuation without a start', frames: frame(0x80, 'x'), code: 1002 },
  { name: 'new message inside a fragmented one', frames: frame(0x01, 'a') + frame(0x81, 'b'), code: 1002 },
  { name: 'bad close code 999', frames: frame(0x88, closeBody(999)), code: 1002 },
  { name: 'bad close code 1005', frames: frame(0x88, closeBody(1005)), code: 1002 },
  { name: 'one-byte close payload', frames: frame(0x88, new Uint8Array([3])), code: 1002 },
  { name: 'invalid UTF-8 close reason', frames: frame(0x88, new Uint8Array([3, 232, 0xff])), code: 1007 },
];

const brokenScenarios: Scenario[] = broken.map((b) => ({
  name: `broken/${b.name}: ERR_PROTOCOL ${b.code}`,
  async run(env) {
    const { rec, id } = await withFrames(env, frame(0x81, 'ok') + b.frames, b.options);
    const closed = await rec.close();
    eq(rec.errors.length, 1, `one error (${rec.errors.map((e) => e.code).join()})`);
    const e = rec.errors[0];
    eq(e.code, 'ERR_PROTOCOL', 'error code');
    eq(e.closeCode, b.code, `closeCode (${e.message})`);
    ok(e.message.length > 20, 'a message');
    eq(closed.code, b.code, 'onClose code');
    eq(closed.wasClean, false, 'wasClean');
    eq(rec.messages.length, 1, 'the good message before the broken frame was delivered, nothing after');
    const w = await wireUntil(env, id, (r) => !!closeOnWire(r) && r.ended, 'a close on the wire and the socket closed');
    eq(closeOnWire(w)?.code, b.code, 'close code on the wire');
    eq(w.error, null, 'the client frames parse');
  },
}));

// ---- backpressure ----

const CHUNK = 256 * 1024;

const backpressureScenarios: Scenario[] = [
  {
    name: 'backpressure/a server that never reads: send() returns false, bufferedAmount grows',
    timeout: 30_000,
    async run(env) {
      const { url } = scripted(env, '/ws', { noread: 1 });
      const rec = new Recorder();
      const conn = await env.connect(url, rec);
      const chunk = bytes(CHUNK);
      let sent = 0;
      while (conn.send(chunk)) {
        sent += CHUNK;
        if (sent > 256 * 1024 * 1024) fail('send() kept returning true for 256 MiB');
        if (sent % (4 * 1024 * 1024) === 0) await sleep(1); // let the kernel take what it can
      }
      const first = conn.bufferedAmount;
      ok(first >= 1024 * 1024, `bufferedAmount ${first} at send() === false (highWaterMark 1 MiB)`);
      for (let i = 0; i < 4; i++) eq(conn.send(chunk), false, 'send() stays false');
      ok(
        conn.bufferedAmount >= first + 4 * CHUNK - 64 * 1024,
        `bufferedAmount grew: ${first} -> ${conn.bufferedAmount}`,
      );
      eq(rec.errors.length, 0, 'no error under the limit');
      conn.terminate();
      const closed = await rec.close();
      eq(closed.code, 1006, 'terminate(): 1006');
    },
  },
  {
    name: 'backpressure/maxBufferedAmount: ERR_BUFFER_FULL instead of growing without bound',
    timeout: 30_000,
    async run(env) {
      const { url } = scripted(env, '/ws', { noread: 1 });
      const rec = new Recorder();
      const conn = await env.connect(url, rec, { maxBufferedAmount: 2 * 1024 * 1024 });
      const chunk = bytes(CHUNK);
      let sent = 0;
      while (rec.errors.length === 0) {
        conn.send(chunk);
        sent += CHUNK;
        if (sent > 256 * 1024 * 1024) fail(`no ERR_BUFFER_FULL after 256 MiB; bufferedAmount ${conn.bufferedAmount}`);
        if (sent % (4 * 1024 * 1024) === 0) await sleep(1);
      }
      eq(rec.errors[0].code, 'ERR_BUFFER_FULL', 'error');
      eq(conn.send(chunk), false, 'send() after the failure');
      const closed = await rec.close();
      eq(closed.code, 1006, 'close code');
      eq(closed.wasClean, false, 'wasClean');
      eq(rec.errors.length, 1, 'one error');
      // (The server does not read, so it cannot tell that the socket closed: the runner's natural exit checks that.)
    },
  },
  {
    name: 'backpressure/onDrain fires when a slow server catches up',
    timeout: 30_000,
    async run(env) {
      const { url, id } = scripted(env, '/ws', { pause: 300 });
      const rec = new Recorder();
      const conn = await env.connect(url, rec);
      const chunk = bytes(CHUNK);
      let count = 0;
      for (;;) {
        count++;
        if (!conn.send(chunk)) break;
        if (count > 1024) fail('send() never returned false');
      }
      ok(conn.bufferedAmount > 0, 'something is buffered');
      await rec.until(() => rec.drains > 0, 'onDrain', 10_000);
      eq(conn.bufferedAmount, 0, 'bufferedAmount after onDrain');
      eq(conn.send(chunk), true, 'send() is true again');
      count++;
      await wireUntil(
        env,
        id,
        (r) => r.events.filter((e) => e.type === 'message').length === count,
        `${count} messages reached the server`,
        10_000,
      );
      conn.close(1000);
      eq((await rec.close()).wasClean, true, 'clean close');
    },
  },
  {
    name: 'backpressure/WebSocket bufferedAmount grows against a server that never reads',
    timeout: 30_000,
    async run(env) {
      const { url } = scripted(env, '/ws', { noread: 1 });
      const ws = new env.WebSocket(url, [], { closeTimeout: 300 });
      await within(new Promise((resolve) => (ws.onopen = resolve)), 5000, 'open');
      const chunk = bytes(CHUNK);
      let sent = 0;
      while (ws.bufferedAmount < 2 * 1024 * 1024) {
        ws.send(chunk);
        sent += CHUNK;
        if (sent > 256 * 1024 * 1024) fail('bufferedAmount stayed under 2 MiB for 256 MiB');
        if (sent % (4 * 1024 * 1024) === 0) await sleep(1);
      }
      const before = ws.bufferedAmount;
      ws.send(chunk);
      ok(ws.bufferedAmount >= before + CHUNK - 64 * 1024, `bufferedAmount grew: ${before} -> ${ws.bufferedAmount}`);
      const closed = new Promise<CloseEventLike>((resolve) => (ws.onclose = resolve as (e: Event) => void));
      ws.close(1000);
      const e = await within(closed, 10_000, 'close (after the close timeout)');
      eq(e.wasClean, false, 'not clean: the server never read the close');
    },
  },
];

export const scenarios: Scenario[] = [
  ...websocketScenarios,
  ...handshakeScenarios,
  ...tlsScenarios,
  ...frameScenarios,
  ...closeScenarios,
  ...brokenScenarios,
  ...backpressureScenarios,
  ...echoScenarios,
];

// For the WHATWG scenarios (whatwg-scenarios.ts) and the permessage-deflate ones (deflate-scenarios.ts).
export {
  Recorder,
  rejects,
  echoConnect,
  echoWebSocket,
  withFrames,
  AssertionError,
  fail,
  ok,
  eq,
  sameBytes,
  throwsDom,
  within,
  sleep,
  scripted,
  wire,
  wireUntil,
  frame,
  closeBody,
  closeOnWire,
  type WireRecord,
};
