// The hostile-peer scenarios, runtime-neutral (no node:*, Bun.*, Deno.*): each runs in a child process of
// its own on Node, Bun and Deno (hostile.test.ts), against the hostile server of the parent process.
// Each asserts the error's code and close code, that the connection ends, and (in the runner) that RSS
// stays within the scenario's bound; the parent checks nothing was thrown uncaught and that the process
// exited by itself.
import type { BaseWebSocket, ClientOptions, Connection, ConnectionListener, WebSocketError } from '../../src/api.ts';
import { eq, fail, ok, sameBytes, sleep, within } from '../support/assertions.ts';
import { pattern } from '../codec/helpers.ts';
import { frame, hex } from '../support/frames.ts';
import type { Stats } from './hostile-server.ts';

export interface HostileEnv {
  runtime: 'node' | 'bun' | 'deno';
  connect: (url: string | URL, listener: ConnectionListener, options?: ClientOptions) => Promise<Connection>;
  WebSocket: new (url: string | URL, protocols?: string | string[], options?: ClientOptions) => BaseWebSocket;
  /** The hostile server, plain and TLS, and its mute port (wss://). */
  url: string;
  tlsUrl: string;
  muteUrl: string;
  /** The test CA, PEM: trusts the TLS port. */
  ca: string;
  /** Records a known defect of the runtime that a check had to leave out: the parent reports it as a todo. */
  known(note: string): void;
}

export interface HostileScenario {
  name: string;
  /** Peak RSS growth allowed during the scenario, bytes (the runner measures it). */
  maxGrowth: number;
  run(env: HostileEnv): Promise<void>;
}

const MiB = 1024 * 1024;
/** The limit scenarios configure, for maxMessage and for maxBufferedAmount. */
const LIMIT = MiB;
/** What a runtime's heap, JIT, garbage not yet collected and TLS buffers may add while a scenario runs. */
const FIXED = 64 * MiB;
/** The bound: each connection holds at most its two limits (a message, the send buffer), plus FIXED. */
const bounded = (connections = 1) => FIXED + 2 * LIMIT * connections;
const FLOOD_LIMIT = 16 * MiB;

// ---- assertions ----

/** Runs `fn`, which must throw `type` (TypeError, RangeError) with a message naming `what`. */
function throwsNaming(fn: () => unknown, type: ErrorConstructor, what: string, label: string): void {
  try {
    fn();
  } catch (error) {
    ok(error instanceof type, `${label}: expected a ${type.name}, got ${String(error)}`);
    ok((error as Error).message.includes(what), `${label}: the message names ${what}: ${(error as Error).message}`);
    return;
  }
  fail(`${label}: did not throw`);
}
async function rejectsNaming(
  promise: Promise<unknown>,
  type: ErrorConstructor,
  what: string,
  label: string,
): Promise<void> {
  try {
    await promise;
  } catch (error) {
    ok(error instanceof type, `${label}: expected a ${type.name}, got ${String(error)}`);
    ok((error as Error).message.includes(what), `${label}: the message names ${what}: ${(error as Error).message}`);
    return;
  }
  fail(`${label}: resolved`);
}

// ---- payloads ----

const decoder = new TextDecoder();
// ---- a recording listener ----

interface Recorded {
  messages: { data: Uint8Array; isText: boolean }[];
  errors: WebSocketError[];
  pings: number;
  close: { code: number; reason: string; wasClean: boolean } | null;
  closed: Promise<void>;
}

function recorder(extra: Partial<ConnectionListener> = {}): { listener: ConnectionListener; rec: Recorded } {
  let done!: () => void;
  const rec: Recorded = {
    messages: [],
    errors: [],
    pings: 0,
    close: null,
    closed: new Promise<void>((r) => (done = r)),
  };
  const listener: ConnectionListener = {
    ...extra,
    onMessage(data, isText) {
      rec.messages.push({ data: data.slice(), isText });
      extra.onMessage?.(data, isText);
    },
    onPing(data) {
      rec.pings++;
      extra.onPing?.(data);
    },
    onError(error) {
      rec.errors.push(error);
    },
    onClose(code, reason, wasClean) {
      if (rec.close) fail('onClose called twice');
      rec.close = { code, reason, wasClean };
      done();
    },
  };
  return { listener, rec };
}

/** The one error of a failed connection: its code and close code. */
function expectError(rec: Recorded, code: string | string[], closeCode?: number): WebSocketError {
  const codes = typeof code === 'string' ? [code] : code;
  ok(rec.errors.length === 1, `one error, got ${rec.errors.length}: ${rec.errors.map((e) => e.code).join(', ')}`);
  const error = rec.errors[0];
  ok(codes.includes(error.code), `error code: expected ${codes.join(' or ')}, got ${error.code}: ${error.message}`);
  if (closeCode !== undefined) eq(error.closeCode, closeCode, 'error closeCode');
  return error;
}

async function stats(env: HostileEnv): Promise<Stats> {
  const response = await fetch(`${env.url.replace('ws:', 'http:')}/stats`);
  return (await response.json()) as Stats;
}
/** Waits until the server sees no open connection on `route`. */
async function serverSeesClosed(env: HostileEnv, route: string, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (((await stats(env)).open[route] ?? 0) === 0) return;
    await sleep(20);
  }
  fail(`${what}: the server still has a connection open on ${route}: the client did not close its socket`);
}

const both = (env: HostileEnv) => [
  { url: env.url, tls: false, options: {} as ClientOptions },
  { url: env.tlsUrl, tls: true, options: { ca: env.ca } as ClientOptions },
];

/** Connects to a /ws script and waits for the connection to end. */
async function runToEnd(
  env: HostileEnv,
  url: string,
  options: ClientOptions,
  extra: Partial<ConnectionListener> = {},
  ms = 10_000,
): Promise<Recorded> {
  const { listener, rec } = recorder(extra);
  await env.connect(url, listener, { maxMessage: LIMIT, maxBufferedAmount: LIMIT, closeTimeout: 1000, ...options });
  await within(rec.closed, ms, `the connection to ${url} ends`);
  return rec;
}

export const scenarios: HostileScenario[] = [
  {
    name: 'a protocol error, then bytes forever: fails with 1002 and discards what follows',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        for (const withHead of ['0', '1']) {
          const rec = await runToEnd(env, `${url}/ws?frames=c100&withHead=${withHead}&then=stream`, options);
          expectError(rec, 'ERR_PROTOCOL', 1002);
          eq(rec.close?.code, 1002, `${url} close code`);
        }
      }
    },
  },
  {
    name: 'a message over maxMessage, then its bytes forever: fails with 1009 at the header',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        // A binary frame that says 2 MiB (maxMessage is 1 MiB), and its payload, streamed.
        const rec = await runToEnd(env, `${url}/ws?frames=827f0000000000200000&then=stream`, options);
        expectError(rec, 'ERR_PROTOCOL', 1009);
      }
    },
  },
  {
    name: 'a message that never ends (fragments forever): fails with 1009 after maxMessage',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const rec = await runToEnd(env, `${url}/ws?frames=${frame(0x02, 'start')}&then=fragments`, options);
        expectError(rec, 'ERR_PROTOCOL', 1009);
      }
    },
  },
  {
    name: 'a decompression bomb (256 MiB of zeros in one compressed message): fails with 1009 at maxMessage',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const rec = await runToEnd(env, `${url}/ws?extensions=permessage-deflate&then=bomb`, options, {}, 20_000);
        const error = expectError(rec, 'ERR_PROTOCOL', 1009);
        ok(/inflates to more than maxMessage/.test(error.message), `the message says why: ${error.message}`);
        eq(rec.messages.length, 0, 'nothing delivered');
      }
    },
  },
  {
    name: 'RSV1 on a continuation frame of a compressed message, then bytes forever: fails with 1002',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const frames = `${frame(0x41, new Uint8Array([0xf2, 0x48, 0xcd]))}${frame(0xc0, new Uint8Array([0xc9, 0xc9, 0x07, 0x00]))}`;
        const rec = await runToEnd(
          env,
          `${url}/ws?extensions=permessage-deflate&frames=${frames}&then=stream`,
          options,
        );
        expectError(rec, 'ERR_PROTOCOL', 1002);
        eq(rec.close?.code, 1002, `${url} close code`);
      }
    },
  },
  {
    name: 'send(view) inside onMessage, after a send that needs a larger send region: the view stays valid',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const original = pattern(100_000, 7);
        const big = pattern(300_000, 8);
        let checked = false;
        let conn: Connection | undefined;
        const { listener, rec } = recorder({
          onMessage(view) {
            if (checked) return;
            checked = true;
            conn!.send(big);
            conn!.send(view);
            sameBytes(view, original, 'the view after two sends');
          },
        });
        conn = await env.connect(`${url}/ws`, listener, { ...options, maxMessage: LIMIT });
        conn.send(original);
        for (let i = 0; i < 500 && rec.messages.length < 3; i++) await sleep(10);
        eq(rec.messages.length, 3, `${url}: echoes received`);
        sameBytes(rec.messages[1].data, big, 'echo of the big message');
        sameBytes(rec.messages[2].data, original, 'echo of the view sent back');
        conn.close(1000);
        await within(rec.closed, 5000, 'close');
        eq(rec.errors.length, 0, 'no error');
      }
    },
  },
  {
    name: 'a message and a 125-byte ping in one write, the message answered with 65 KB: the pong carries the ping',
    maxGrowth: bounded(),
    async run(env) {
      const pingPayload = pattern(125, 3);
      const reply = pattern(65_000, 4);
      for (const { url, options } of both(env)) {
        let conn: Connection | undefined;
        const { listener, rec } = recorder({
          onMessage(data, isText) {
            if (isText && decoder.decode(data) === 'hello') conn!.send(reply);
          },
        });
        conn = await env.connect(
          `${url}/ws?frames=${frame(0x81, 'hello')}${frame(0x89, pingPayload)}`,
          listener,
          options,
        );
        for (let i = 0; i < 500 && rec.messages.length < 3; i++) await sleep(10);
        const texts = rec.messages.filter((m) => m.isText).map((m) => decoder.decode(m.data));
        ok(
          texts.includes(`pong:${hex(pingPayload)}`),
          `${url}: the pong carries the ping's payload; got ${texts.map((t) => t.slice(0, 40)).join(' | ')}`,
        );
        const echo = rec.messages.find((m) => !m.isText);
        ok(echo, 'the 65 KB reply came back');
        sameBytes(echo.data, reply, 'echo of the reply');
        conn.close(1000);
        await within(rec.closed, 5000, 'close');
        eq(rec.errors.length, 0, 'no error');
      }
    },
  },
  {
    name: 'small and empty pings are answered with their payload',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const { listener, rec } = recorder();
        const conn = await env.connect(
          `${url}/ws?frames=${frame(0x89, 'abc')}${frame(0x89)}${frame(0x89, pattern(31, 5))}`,
          listener,
          options,
        );
        for (let i = 0; i < 300 && !rec.messages.some((m) => decoder.decode(m.data).endsWith(hex(pattern(31, 5)))); i++)
          await sleep(10);
        const texts = rec.messages.map((m) => decoder.decode(m.data));
        // While an earlier pong is still being written, a newer ping may replace it (RFC 6455 §5.5.3):
        // the pongs are the pings' payloads in order, ending with the last one's.
        const sent = ['pong:616263', 'pong:', `pong:${hex(pattern(31, 5))}`];
        ok(
          texts.length > 0 && texts.at(-1) === sent[2],
          `${url}: the last ping is answered with its payload; got ${texts.join(' ')}`,
        );
        let at = 0;
        for (const t of texts) {
          while (at < sent.length && sent[at] !== t) at++;
          ok(at < sent.length, `${url}: pongs answer the pings in order with their payloads; got ${texts.join(' ')}`);
        }
        conn.close(1000);
        await within(rec.closed, 5000, 'close');
      }
    },
  },
  {
    name: 'a server that accepts and never speaks: the handshake times out and the socket is closed',
    maxGrowth: bounded(),
    async run(env) {
      const { listener, rec } = recorder();
      const started = performance.now();
      try {
        await env.connect(env.muteUrl, listener, { handshakeTimeout: 300, ca: env.ca });
        fail('connected to the mute port');
      } catch (error) {
        eq((error as WebSocketError).code, 'ERR_HANDSHAKE_TIMEOUT', 'wss error code');
      }
      ok(performance.now() - started < 2000, 'timed out in time');
      // Deno 2.9 leaks the TCP socket of a TlsConn closed before its handshake completes (close() cancels
      // the handshake but the socket stays open until the process exits; node:tls on Deno does not leak).
      const tlsLeaks = env.runtime === 'deno';
      if (tlsLeaks)
        env.known('Deno keeps the TCP socket of a TLS handshake closed before it completes open until exit');
      else await serverSeesClosed(env, 'mute', 'wss:// handshake timeout');
      try {
        await env.connect(`${env.url}/silent`, recorder().listener, { handshakeTimeout: 300 });
        fail('connected to /silent');
      } catch (error) {
        eq((error as WebSocketError).code, 'ERR_HANDSHAKE_TIMEOUT', 'ws error code');
      }
      await serverSeesClosed(env, '/silent', 'ws:// handshake timeout');
      // The WebSocket class: error then close, and the socket closed too.
      const ws = new env.WebSocket(env.muteUrl, [], { handshakeTimeout: 300, ca: env.ca });
      const events: string[] = [];
      await within(
        new Promise<void>((resolve) => {
          ws.onerror = () => events.push('error');
          ws.onclose = (e) => {
            events.push(`close ${e.code}`);
            resolve();
          };
        }),
        3000,
        'WebSocket close event',
      );
      eq(events.join(', '), 'error, close 1006', 'WebSocket events');
      if (!tlsLeaks) await serverSeesClosed(env, 'mute', 'WebSocket handshake timeout');
      ok(rec.close !== null, 'onClose called for connect()');
    },
  },
  {
    name: 'a ping flood while the server does not read: pongs stop queuing, bounded memory, closes',
    // A send limit large enough that a pong queued per ping (a copy and a write each) would show.
    maxGrowth: FIXED + 2 * FLOOD_LIMIT,
    async run(env) {
      for (const { url, options } of both(env)) {
        const { listener, rec } = recorder();
        const conn = await env.connect(`${url}/ws?then=pingflood`, listener, {
          ...options,
          maxBufferedAmount: FLOOD_LIMIT,
          closeTimeout: 500,
        });
        await sleep(1500);
        ok(rec.pings > 1000, `${url}: the flood arrived (${rec.pings} pings)`);
        ok(conn.bufferedAmount <= 128 * 1024, `${url}: pongs stopped queuing at ${conn.bufferedAmount} bytes`);
        conn.close(1000);
        await within(rec.closed, 3000, `${url}: the connection ends`);
        expectError(rec, ['ERR_CLOSE_TIMEOUT', 'ERR_BUFFER_FULL']);
        eq(rec.close?.wasClean, false, 'not clean');
      }
    },
  },
  {
    name: 'a ping flood from a server that reads: a few pongs per read, not one per ping; timers keep running',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, tls, options } of both(env)) {
        const id = `${env.runtime}-${tls ? 'tls' : 'plain'}-${Date.now()}`;
        const { listener, rec } = recorder();
        const conn = await env.connect(`${url}/ws?then=pingflood-read&id=${id}`, listener, options);
        // A timer beside the flood: a pong written per ping, or reads that never let the loop turn, stall it.
        let last = performance.now();
        let worst = 0;
        const ticker = setInterval(() => {
          const now = performance.now();
          worst = Math.max(worst, now - last);
          last = now;
        }, 10);
        await sleep(2000);
        clearInterval(ticker);
        conn.terminate();
        await within(rec.closed, 3000, `${url}: the connection ends`);
        const pongs = (await stats(env)).pongs[id] ?? 0;
        ok(rec.pings > 100_000, `${url}: the flood arrived (${rec.pings} pings)`);
        ok(pongs > 0, `${url}: pings were answered`);
        ok(pongs * 100 < rec.pings, `${url}: ${pongs} pongs for ${rec.pings} pings: a few per read`);
        ok(worst < 2000, `${url}: a 10 ms timer waited ${Math.round(worst)} ms at worst`);
      }
    },
  },
  {
    name: 'frames that come with the 101 are delivered after connect() resolves',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const frames = frame(0x81, 'early') + frame(0x81, 'second');
        // await: the listener uses the connection the promise gave.
        let conn: Connection | undefined;
        let opened: Connection | undefined;
        const seen: string[] = [];
        const { listener, rec } = recorder({
          onOpen(c) {
            opened = c;
          },
          onMessage(data) {
            seen.push(`${decoder.decode(data)}:${conn === undefined ? 'before' : 'after'}`);
          },
        });
        conn = await env.connect(`${url}/ws?withHead=1&then=hold&frames=${frames}`, listener, options);
        ok(opened === conn, 'onOpen got the connection');
        for (let i = 0; i < 200 && seen.length < 2; i++) await sleep(5);
        eq(seen.join(' '), 'early:after second:after', `${url}: messages after connect() resolved`);
        // then(): the same.
        let viaThen: Connection | undefined;
        const seen2: string[] = [];
        const r2 = recorder({ onMessage: () => seen2.push(viaThen === undefined ? 'before' : 'after') });
        await env
          .connect(`${url}/ws?withHead=1&then=hold&frames=${frames}`, r2.listener, options)
          .then((c) => (viaThen = c));
        for (let i = 0; i < 200 && seen2.length < 2; i++) await sleep(5);
        eq(seen2.join(' '), 'after after', `${url}: messages after then()`);
        // The WebSocket class: open, then the messages.
        const ws = new env.WebSocket(`${url}/ws?withHead=1&then=hold&frames=${frames}`, [], options);
        const events: string[] = [];
        ws.onopen = () => events.push('open');
        ws.onmessage = (e) => events.push(String(e.data));
        for (let i = 0; i < 200 && events.length < 3; i++) await sleep(5);
        eq(events.join(' '), 'open early second', `${url}: WebSocket events`);
        for (const c of [conn, viaThen!]) c.terminate();
        ws.close();
        await within(Promise.all([rec.closed, r2.rec.closed]), 3000, 'closed');
      }
    },
  },
  {
    name: 'a clean close ends every timer: the process exits at once (closeTimeout 60 s)',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const { listener, rec } = recorder();
        const conn = await env.connect(`${url}/ws`, listener, {
          ...options,
          closeTimeout: 60_000,
          handshakeTimeout: 60_000,
        });
        conn.close(1000, 'bye');
        await within(rec.closed, 3000, 'close');
        eq(rec.close?.wasClean, true, 'clean');
        eq(rec.close?.code, 1000, 'code');
        const ws = new env.WebSocket(`${url}/ws`, [], { ...options, closeTimeout: 60_000, handshakeTimeout: 60_000 });
        await within(
          new Promise<void>((resolve) => {
            ws.onopen = () => ws.close(1000);
            ws.onclose = () => resolve();
          }),
          3000,
          'WebSocket close',
        );
      }
      // The parent fails this scenario if the process lives on (it waits far less than 60 s).
    },
  },
  {
    name: 'a close frame never answered: ERR_CLOSE_TIMEOUT after closeTimeout, 1006',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const { listener, rec } = recorder();
        const conn = await env.connect(`${url}/ws?then=hold`, listener, { ...options, closeTimeout: 300 });
        const started = performance.now();
        conn.close(1000);
        await within(rec.closed, 3000, 'close');
        ok(performance.now() - started >= 250, 'waited for closeTimeout');
        expectError(rec, 'ERR_CLOSE_TIMEOUT');
        eq(rec.close?.code, 1006, 'code');
        eq(rec.close?.wasClean, false, 'wasClean');
      }
    },
  },
  {
    name: 'a reset in the middle of a message: ERR_CONNECTION_LOST, 1006',
    maxGrowth: bounded(),
    async run(env) {
      for (const { url, options } of both(env)) {
        const rec = await runToEnd(env, `${url}/ws?frames=827e1000${'ab'.repeat(100)}&then=reset`, options);
        expectError(rec, 'ERR_CONNECTION_LOST');
        eq(rec.close?.code, 1006, 'code');
      }
    },
  },
  {
    name: 'options are validated when given: a RangeError or TypeError that names the option, before connecting',
    maxGrowth: bounded(),
    async run(env) {
      const path = `/never-${Math.random().toString(36).slice(2)}`; // this scenario's own: others run meanwhile
      const listener = recorder().listener;
      for (const name of ['handshakeTimeout', 'closeTimeout'] as const) {
        for (const value of [Infinity, 2 ** 31, -1, 0, 1.5, Number.NaN]) {
          await rejectsNaming(
            env.connect(`${env.url}${path}`, listener, { [name]: value }),
            RangeError,
            name,
            `${name} ${value}`,
          );
          throwsNaming(
            () => new env.WebSocket(`${env.url}${path}`, [], { [name]: value }),
            RangeError,
            name,
            `WebSocket ${name} ${value}`,
          );
        }
        await rejectsNaming(
          env.connect(`${env.url}${path}`, listener, { [name]: '100' as unknown as number }),
          TypeError,
          name,
          `${name} '100'`,
        );
      }
      await rejectsNaming(
        env.connect(`${env.url}${path}`, listener, { maxMessage: -1 }),
        RangeError,
        'maxMessage',
        'maxMessage -1',
      );
      await rejectsNaming(
        env.connect(`${env.url}${path}`, listener, { maxBufferedAmount: Infinity }),
        RangeError,
        'maxBufferedAmount',
        'maxBufferedAmount',
      );
      await rejectsNaming(
        env.connect(`${env.url}${path}`, listener, { rejectUnauthorized: 'no' as unknown as boolean }),
        TypeError,
        'rejectUnauthorized',
        'rejectUnauthorized',
      );
      eq((await stats(env)).acceptedOn[path], undefined, 'no connection was made');
    },
  },
  {
    name: "headers follow RFC 9110 and cannot replace the handshake's own, checked before connecting",
    maxGrowth: bounded(),
    async run(env) {
      const path = `/never-${Math.random().toString(36).slice(2)}`; // this scenario's own: others run meanwhile
      const listener = recorder().listener;
      const bad: [Record<string, string>, string][] = [
        [{ 'a b': 'x' }, 'a b'],
        [{ 'x-ok': 'a\r\nInjected: 1' }, 'x-ok'],
        [{ 'x-ok': 'nul\0here' }, 'x-ok'],
        [{ 'x-ok': 'bell\x07' }, 'x-ok'],
        [{ '': 'x' }, '""'],
        [{ Host: 'evil.example' }, 'Host'],
        [{ upgrade: 'h2c' }, 'upgrade'],
        [{ Connection: 'close' }, 'Connection'],
        [{ 'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAAAA==' }, 'Sec-WebSocket-Key'],
        [{ 'sec-websocket-extensions': 'permessage-deflate' }, 'sec-websocket-extensions'],
      ];
      for (const [headers, named] of bad) {
        await rejectsNaming(
          env.connect(`${env.url}${path}`, listener, { headers }),
          TypeError,
          named,
          JSON.stringify(headers),
        );
        throwsNaming(
          () => new env.WebSocket(`${env.url}${path}`, [], { headers }),
          TypeError,
          named,
          `WebSocket ${JSON.stringify(headers)}`,
        );
      }
      eq((await stats(env)).acceptedOn[path], undefined, 'no connection was made');
      // Good ones go out as given.
      const { listener: l2, rec } = recorder();
      const conn = await env.connect(`${env.url}/headers`, l2, { headers: { 'X-Token': 'a b\tc', Cookie: 'k=v' } });
      for (let i = 0; i < 200 && rec.messages.length < 1; i++) await sleep(5);
      const seen = JSON.parse(decoder.decode(rec.messages[0].data)) as Record<string, string>;
      eq(seen['x-token'], 'a b\tc', 'X-Token');
      eq(seen.cookie, 'k=v', 'Cookie');
      conn.close();
      await within(rec.closed, 3000, 'close');
    },
  },
  {
    name: 'URL userinfo is sent as Authorization: Basic and never appears in an error',
    maxGrowth: bounded(),
    async run(env) {
      const withUser = (url: string, path: string) => url.replace('//', '//user:s3cret@') + path;
      const { listener, rec } = recorder();
      const conn = await env.connect(withUser(env.url, '/headers'), listener);
      for (let i = 0; i < 200 && rec.messages.length < 1; i++) await sleep(5);
      const seen = JSON.parse(decoder.decode(rec.messages[0].data)) as Record<string, string>;
      eq(seen.authorization, `Basic ${btoa('user:s3cret')}`, 'Authorization');
      conn.close();
      await within(rec.closed, 3000, 'close');
      const messages: string[] = [];
      const failed = await runToEnd(env, withUser(env.url, '/ws?frames=c100&then=stream'), {});
      messages.push(...failed.errors.map((e) => e.message));
      try {
        await env.connect(withUser(env.muteUrl, '/'), recorder().listener, { handshakeTimeout: 200, ca: env.ca });
      } catch (error) {
        messages.push((error as Error).message);
      }
      try {
        await env.connect('ftp://user:s3cret@127.0.0.1/', recorder().listener);
      } catch (error) {
        messages.push((error as Error).message);
      }
      eq(messages.length, 3, 'three errors');
      for (const m of messages) ok(!m.includes('s3cret'), `the error message hides the password: ${m}`);
    },
  },
  {
    name: 'twenty connections receive large messages at once: every byte arrives whole, to the right connection',
    maxGrowth: bounded(20),
    async run(env) {
      const one = async (k: number) => {
        const tls = k % 2 === 1;
        const url = `${tls ? env.tlsUrl : env.url}/ws`;
        const sent = [pattern(200_000 + k, 100 + k), pattern(70_000, 200 + k), pattern(5, 300 + k)];
        const { listener, rec } = recorder();
        const conn = await env.connect(url, listener, tls ? { ca: env.ca } : {});
        for (const m of sent) conn.send(m);
        for (let i = 0; i < 1000 && rec.messages.length < sent.length; i++) await sleep(10);
        eq(rec.messages.length, sent.length, `connection ${k}: echoes`);
        for (const [i, m] of sent.entries()) sameBytes(rec.messages[i].data, m, `connection ${k}, message ${i}`);
        conn.close(1000);
        await within(rec.closed, 5000, `connection ${k} closes`);
        eq(rec.errors.length, 0, `connection ${k}: no error`);
      };
      await Promise.all(Array.from({ length: 20 }, (_, k) => one(k)));
    },
  },
  {
    name: 'fifty connections fail at once while their peers stream: every one closes with 1002, memory bounded',
    maxGrowth: bounded(50),
    async run(env) {
      const runs = Array.from({ length: 50 }, (_, i) =>
        runToEnd(
          env,
          `${i % 2 ? env.tlsUrl : env.url}/ws?frames=${frame(0x81, 'ok')}c100&then=stream`,
          i % 2 ? { ca: env.ca } : {},
          {},
          20_000,
        ),
      );
      for (const rec of await Promise.all(runs)) {
        expectError(rec, 'ERR_PROTOCOL', 1002);
        eq(rec.messages.length, 1, 'the message before the error was delivered');
      }
    },
  },
];
