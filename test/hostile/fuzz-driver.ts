// The fuzzer's client driver, runtime-neutral (no node:*, Bun.*, Deno.*): the runtime's entry file
// (fuzz-run-node.ts, fuzz-run.bun.ts, fuzz-run.deno.ts) hands in connect(), WebSocket and an RSS probe.
// It opens many connections to the hostile server (test/hostile/fuzz-server.ts), plain and TLS, with
// both APIs, and in every callback does at random what applications do: echo the view or the event's
// data, send big messages, ping, close, terminate, open another connection. It checks what must hold
// whatever the server does: one close per connection, nothing before open or after close, errors with a
// `code`, no call into the client throwing, no uncaught error (reported by the entry file), RSS peak
// growth under a bound. One JSON line per finding and a summary go to stdout. Nothing here exits the
// process: a timer or socket that outlives its connection keeps it alive, and the parent calls it a hang.
import type { BaseWebSocket, ClientOptions, Connection, ConnectionListener } from '../../src/api.ts';
import { Rng } from '../support/rng.ts';

export type Runtime = 'node' | 'bun' | 'deno';

export interface FuzzClient {
  runtime: Runtime;
  connect: (url: string | URL, listener: ConnectionListener, options?: ClientOptions) => Promise<Connection>;
  WebSocket: new (url: string | URL, protocols?: string | string[], options?: ClientOptions) => BaseWebSocket;
  /** Resident set size of this process, bytes. */
  rss(): number;
  /** A full garbage collection, now. */
  gc(): void;
}

export type Api = 'll' | 'ws';

/**
 * Connections that once found a bug, replayed at the start of every run: 748253548 (ws, plain) had the
 * server write a pong flood between the chunks of an echo it was still writing; the client read the
 * pongs as the message's payload and echoed them, which looked like a client corrupting data (about two
 * runs in three before the server queued floods behind its other writes).
 */
const REGRESSIONS: { seed: number; api: Api; tls: boolean }[] = [{ seed: 748253548, api: 'ws', tls: false }];

/** What the parent passes as JSON in FUZZ_CONFIG. */
export interface FuzzConfig {
  /** Names this child's connections on the server (it keeps findings per run). */
  run: string;
  url: string;
  tlsUrl: string;
  /** host:port of the server's mute listener (accepts, never answers). */
  muteHost: string;
  /** The test CA (PEM) that signed the server's TLS certificate. */
  ca: string;
  seed: number;
  /** Connections are started for this long; then the driver waits for the open ones to close. */
  seconds: number;
  maxConnections: number;
  concurrency: number;
  maxMessage: number;
  maxBufferedAmount: number;
  /**
   * RSS peak growth allowed over the baseline: rssFixedMiB plus the most that connections open at the
   * same time may hold, 4 × (maxMessage + maxBufferedAmount) each. A connection's maxMessage counts
   * as at most the run's: the server never sends more of a message that is not yet whole.
   */
  rssFixedMiB: number;
  /** Replays these connections only (from a finding's seed, api and tls). */
  replay?: { seed: number; api: Api; tls: boolean }[];
}

export interface Finding {
  type: 'violation';
  seed: number | null;
  api: Api | null;
  tls: boolean | null;
  what: string;
  stack?: string;
  /** The client's actions on that connection, in order. */
  log?: string[];
}

/** What the client puts first in every message it makes up, so the server tells them from echoes. */
const MAGIC = 'CLNT';
/** Beyond its timeouts: the server drops a connection 5 s after its handshake, or 10 s (+ up to 30 s while the client is busy) after a deadline. */
const WATCHDOG_EXTRA = 60_000;
const MiB = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function describe(e: unknown): { what: string; stack?: string } {
  if (e instanceof Error)
    return {
      what: `${e.name}: ${e.message}${(e as { code?: unknown }).code ? ` [${String((e as { code?: unknown }).code)}]` : ''}`,
      stack: e.stack,
    };
  return { what: String(e) };
}

function errorCode(e: unknown): unknown {
  return e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
}

export class FuzzDriver {
  private readonly rng: Rng;
  private readonly active = new Set<Conn>();
  private started = 0;
  private stopAt = 0;
  private rssBaseline = 0;
  /** The highest RSS right after a full collection (what is held), and the highest at all. */
  private rssPeak = 0;
  private rawPeak = 0;
  /** The connections open when RSS peaked: what to replay to look into it. */
  private peakOpen = '';
  /** Σ of the open connections' allowances, and its largest value so far. */
  private allowance = 0;
  private maxAllowance = 0;
  private findings = 0;
  /** Reports per kind of finding (numbers blanked): a bug that repeats is shown a few times, then counted. */
  private readonly kinds = new Map<string, number>();
  readonly counts: Record<string, number> = {};
  /** 2 MiB of random bytes that starts with MAGIC: own messages are slices of it. */
  readonly pool: Uint8Array;
  readonly textPool: string;

  constructor(
    readonly client: FuzzClient,
    readonly config: FuzzConfig,
  ) {
    this.rng = new Rng(config.seed);
    this.pool = this.rng.bytes(2 * MiB + 16);
    this.pool.set(encoder.encode(MAGIC));
    this.textPool = (MAGIC + 'abcdefghij κόσμε € 😀 '.repeat((2 * MiB) / 20)).slice(0, 2 * MiB);
  }

  count(what: string): void {
    this.counts[what] = (this.counts[what] ?? 0) + 1;
  }

  report(finding: Omit<Finding, 'type'>, kind = finding.what): void {
    kind = kind.replace(/\d+/g, 'N');
    const seen = (this.kinds.get(kind) ?? 0) + 1;
    this.kinds.set(kind, seen);
    if (seen > 3) {
      this.count(`repeats of: ${kind.slice(0, 120)}`);
      return;
    }
    if (++this.findings > 500) return;
    console.log(JSON.stringify({ type: 'violation', ...finding }));
  }

  /** An error no callback caught: from the entry file's process-level handlers. */
  uncaught(kind: string, error: unknown): void {
    const d = describe(error);
    const what = `${kind}: ${d.what}`;
    this.report(
      {
        seed: null,
        api: null,
        tls: null,
        what: `${what} (one of the connections open then: FUZZ_REPLAY=${this.openIds() || 'none'})`,
        stack: d.stack,
      },
      what,
    );
  }

  /**
   * RSS after a full collection: memory held, not garbage a lazy collector has yet to reclaim (each
   * connection's WASM memory lives outside the JS heap and goes only when a collection finds it dead).
   */
  sampleRss(): void {
    this.client.gc();
    const rss = this.client.rss();
    if (rss > this.rssPeak) {
      this.rssPeak = rss;
      this.peakOpen = this.openIds();
    }
  }

  private sampleRaw(): void {
    this.rawPeak = Math.max(this.rawPeak, this.client.rss());
  }

  private openIds(): string {
    const rt = this.client.runtime;
    return [...this.active].map((c) => `${rt}:${c.seed}:${c.api}:${c.tls ? 'tls' : 'plain'}`).join(',');
  }

  /** A connection asks to open another one (applications do): within the run's budget. */
  spawn(): void {
    if (this.config.replay || performance.now() > this.stopAt || this.started >= this.config.maxConnections) return;
    if (this.active.size >= this.config.concurrency * 2) return;
    this.start(this.rng.u32(), this.rng.chance(0.5) ? 'll' : 'ws', this.rng.chance(0.35));
  }

  private start(seed: number, api: Api, tls: boolean, probe = ''): Conn {
    if (!probe) this.started++;
    const conn = new Conn(this, seed, api, tls, probe);
    this.active.add(conn);
    this.allowance += conn.allowance;
    this.maxAllowance = Math.max(this.maxAllowance, this.allowance);
    void conn.done.then(() => {
      this.active.delete(conn);
      this.allowance -= conn.allowance;
    });
    conn.open();
    return conn;
  }

  async run(): Promise<void> {
    const config = this.config;
    const began = performance.now();
    // Warm up (codec, TLS) before the baseline, with the same well-behaved probes that end the run.
    await this.probes();
    this.client.gc();
    this.rssBaseline = this.rawPeak = this.rssPeak = this.client.rss();
    this.maxAllowance = this.allowance;
    const samplers = [setInterval(() => this.sampleRss(), 250), setInterval(() => this.sampleRaw(), 20)];
    this.stopAt = performance.now() + config.seconds * 1000;
    if (config.replay) {
      await Promise.all(config.replay.map((r) => this.start(r.seed, r.api, r.tls).done));
    } else {
      for (const r of REGRESSIONS) this.start(r.seed, r.api, r.tls);
      while (performance.now() < this.stopAt && this.started < config.maxConnections) {
        while (this.active.size < config.concurrency && this.started < config.maxConnections) {
          this.start(this.rng.u32(), this.rng.chance(0.5) ? 'll' : 'ws', this.rng.chance(0.35));
        }
        await Promise.race([...this.active].map((c) => c.done));
      }
    }
    while (this.active.size > 0) await Promise.race([...this.active].map((c) => c.done));
    for (const t of samplers) clearInterval(t);
    this.sampleRss();
    const bound = config.rssFixedMiB * MiB + this.maxAllowance;
    const growth = this.rssPeak - this.rssBaseline;
    if (growth > bound) {
      this.report({
        seed: null,
        api: null,
        tls: null,
        what: `RSS (after a full collection) peak grew by ${(growth / MiB).toFixed(1)} MiB over the baseline of ${(this.rssBaseline / MiB).toFixed(1)} MiB, more than the bound of ${(bound / MiB).toFixed(1)} MiB (${config.rssFixedMiB} MiB + at most ${(this.maxAllowance / MiB).toFixed(1)} MiB for connections open at once: 4 × (maxMessage + maxBufferedAmount) each; open at the peak: FUZZ_REPLAY=${this.peakOpen})`,
      });
    }
    // Last, connections that close cleanly with long timeouts: a timer they leak delays the exit.
    await this.probes();
    console.log(
      JSON.stringify({
        type: 'summary',
        connections: this.started,
        seconds: Math.round((performance.now() - began) / 100) / 10,
        rssBaselineMiB: Math.round(this.rssBaseline / MiB),
        rssPeakMiB: Math.round(this.rssPeak / MiB),
        rssRawPeakMiB: Math.round(this.rawPeak / MiB),
        rssBoundMiB: Math.round((this.rssBaseline + bound) / MiB),
        rssPeakOpen: this.peakOpen,
        counts: this.counts,
      }),
    );
  }

  private async probes(): Promise<void> {
    for (const tls of [false, true]) {
      for (const api of ['ll', 'ws'] as const) {
        for (const probe of ['client-close', 'server-close']) {
          await this.start(-1, api, tls, probe).done; // seed -1: not a fuzzed connection, nothing to replay
        }
      }
    }
  }
}

/** One connection, either API: its random user actions and its invariants. */
class Conn {
  readonly rng: Rng;
  readonly done: Promise<void>;
  /** What it may hold in memory, bytes: 4 × (maxMessage + maxBufferedAmount). */
  readonly allowance: number;
  private finish!: () => void;
  private readonly log: string[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly options: ClientOptions;
  private readonly url: string;
  private opens = 0;
  private closes = 0;
  private settled: 'pending' | 'resolved' | 'rejected' = 'pending';
  private conn: Connection | null = null;
  private watchdog: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly driver: FuzzDriver,
    readonly seed: number,
    readonly api: Api,
    readonly tls: boolean,
    private readonly probe: string,
  ) {
    this.rng = new Rng(seed ^ 0x9e3779b9);
    this.done = new Promise((resolve) => (this.finish = resolve));
    const config = driver.config;
    const rng = this.rng;
    // A few connections go to the mute listener, which never answers, not even the TLS handshake.
    const mute = !probe && rng.chance(0.03);
    const handshakeTimeout = probe ? 30_000 : rng.pick([300, 1000, 2000]); // ≤ MUTE_HANDSHAKE_TIMEOUT
    const closeTimeout = probe ? 30_000 : rng.pick([200, 500, 1000, 2000]);
    // Mostly the run's small limit; sometimes 1 MiB or the default (64 MiB), as applications leave it.
    const maxMessage = rng.weighted<number | undefined>([
      [70, config.maxMessage],
      [20, MiB],
      [10, undefined],
    ]);
    const maxBufferedAmount = config.maxBufferedAmount;
    this.allowance = 4 * (Math.min(maxMessage ?? Infinity, config.maxMessage) + maxBufferedAmount);
    this.options = {
      handshakeTimeout,
      closeTimeout,
      ...(maxMessage === undefined ? {} : { maxMessage }),
      maxBufferedAmount,
      ...(rng.chance(0.3) ? { highWaterMark: 16 * 1024 } : {}),
      ...(tls ? { ca: config.ca } : {}),
    };
    const q = new URLSearchParams({
      run: config.run,
      rt: driver.client.runtime,
      seed: String(seed),
      api,
      ht: String(handshakeTimeout),
      ct: String(closeTimeout),
      mm: String(maxMessage ?? 64 * MiB),
      mb: String(maxBufferedAmount),
      ...(probe ? { probe } : {}),
    });
    this.url = mute
      ? `${tls ? 'wss' : 'ws'}://${config.muteHost}/mute?${q}`
      : `${tls ? config.tlsUrl : config.url}?${q}`;
  }

  open(): void {
    const limit = (this.options.handshakeTimeout ?? 0) + (this.options.closeTimeout ?? 0) + WATCHDOG_EXTRA;
    this.watchdog = setTimeout(() => {
      this.violation(`no close event ${limit} ms after connecting`);
      this.end();
    }, limit);
    if (this.api === 'll') this.openLowLatency();
    else this.openWebSocket();
  }

  private end(): void {
    clearTimeout(this.watchdog);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.finish();
  }

  private note(s: string): void {
    if (this.log.length < 60) this.log.push(s);
  }

  violation(what: string, stack?: string): void {
    this.driver.report({
      seed: this.seed,
      api: this.api,
      tls: this.tls,
      what: this.probe ? `probe ${this.probe}: ${what}` : what,
      stack,
      log: [...this.log],
    });
  }

  /** A call into the client that must not throw. */
  private act(name: string, fn: () => unknown): void {
    this.note(name);
    try {
      fn();
    } catch (e) {
      const d = describe(e);
      this.violation(`${name} threw ${d.what}`, d.stack);
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** A message of the client's own: a slice of the pool (starts with MAGIC). */
  private ownSize(): number {
    return this.rng.weighted<number>([
      [50, this.rng.range(4, 200)],
      [30, this.rng.range(200, 70_000)],
      [15, this.rng.range(70_000, 300_000)],
      [5, this.rng.range(300_000, 2 * MiB)],
    ]);
  }

  private ownBytes(size = this.ownSize()): Uint8Array {
    return this.driver.pool.subarray(0, size);
  }

  private ownText(size = this.ownSize()): string {
    return this.driver.textPool.slice(0, size);
  }

  private pingPayload(): Uint8Array {
    return this.rng.bytes(this.rng.range(0, 125));
  }

  private closeArgs(): [number, string] {
    return [
      this.rng.pick([1000, 3000, 4000, 4999]),
      this.rng.chance(0.5) ? '' : 'bye κόσμε'.repeat(this.rng.range(1, 8)) /* ≤ 123 bytes */,
    ];
  }

  // ---- the low-latency API ----

  private openLowLatency(): void {
    const self = this;
    const driver = this.driver;
    // The connection as the listener may reach it: connect()'s result, or `this`/an extra argument if
    // the client passes one (either is how issue 10 item 5 may be solved).
    const reach = (thisArg: unknown, args: unknown[]): Connection | null => {
      if (self.conn) return self.conn;
      for (const x of [thisArg, ...args]) {
        if (
          x !== listener &&
          x !== null &&
          typeof x === 'object' &&
          typeof (x as Connection).send === 'function' &&
          typeof (x as Connection).close === 'function'
        ) {
          return x as Connection;
        }
      }
      return null;
    };
    const before = (event: string): boolean => {
      if (self.closes > 0) {
        self.violation(`${event} after onClose`);
        return false;
      }
      if (self.opens === 0) {
        self.violation(`${event} before onOpen`);
        return false;
      }
      return true;
    };
    const listener: ConnectionListener = {
      onOpen(this: unknown) {
        self.note('onOpen');
        driver.count('open');
        if (self.closes > 0) self.violation('onOpen after onClose');
        if (++self.opens > 1) self.violation('onOpen called twice');
      },
      onMessage(this: unknown, data: Uint8Array, isText: boolean, ...rest: unknown[]) {
        driver.count('message');
        if (!before('onMessage')) return;
        if (!(data instanceof Uint8Array) || typeof isText !== 'boolean')
          self.violation(`onMessage got (${typeof data}, ${typeof isText})`);
        const conn = reach(this, rest);
        if (!conn) {
          self.violation(
            'onMessage came before connect() resolved, and the listener has no way to reach the connection (issue 10, item 5)',
          );
          return;
        }
        self.onLowLatencyMessage(conn, data, isText);
      },
      onPing(this: unknown, data: Uint8Array, ...rest: unknown[]) {
        driver.count('ping');
        if (!before('onPing')) return;
        const conn = reach(this, rest);
        if (!conn) return;
        const rng = self.rng;
        if (rng.chance(0.1)) self.act('send(ping view)', () => conn.send(data));
        else if (rng.chance(0.05)) self.act('ping()', () => conn.ping(self.pingPayload()));
      },
      onPong() {
        driver.count('pong');
        before('onPong');
      },
      onDrain(this: unknown, ...rest: unknown[]) {
        if (!before('onDrain')) return;
        const conn = reach(this, rest);
        if (conn && self.rng.chance(0.2)) self.act('send(own) on drain', () => conn.send(self.ownBytes()));
      },
      onError(error: unknown) {
        self.note(`onError ${String(errorCode(error))}`);
        driver.count(`error ${String(errorCode(error))}`);
        if (self.closes > 0) self.violation('onError after onClose');
        if (typeof errorCode(error) !== 'string')
          self.violation(`onError got an error without a code: ${describe(error).what}`, describe(error).stack);
        const conn = self.conn;
        if (conn && self.rng.chance(0.2)) self.act('send() in onError', () => conn.send(self.ownBytes(10)));
      },
      onClose(code: number, reason: string, wasClean: boolean) {
        self.onClosed('onClose', code, reason, wasClean);
        const conn = self.conn;
        if (conn && self.rng.chance(0.2)) self.act('send() in onClose', () => conn.send(self.ownBytes(10)));
      },
    };
    let opened: Promise<Connection>;
    try {
      opened = driver.client.connect(this.url, listener, this.options);
    } catch (e) {
      const d = describe(e);
      this.violation(`connect() threw ${d.what}`, d.stack);
      this.end();
      return;
    }
    opened.then(
      (conn) => {
        this.settled = 'resolved';
        this.conn = conn;
        this.note('resolved');
        if (this.opens === 0) this.violation('connect() resolved without onOpen');
        if (this.closes === 0) this.onLowLatencyOpen(conn);
      },
      (error: unknown) => {
        this.settled = 'rejected';
        this.note(`rejected ${String(errorCode(error))}`);
        if (typeof errorCode(error) !== 'string')
          this.violation(`connect() rejected without a code: ${describe(error).what}`, describe(error).stack);
        if (this.opens > 0) this.violation('connect() rejected after onOpen');
      },
    );
  }

  /** What an application does once `await connect()` returns. */
  private onLowLatencyOpen(conn: Connection): void {
    const rng = this.rng;
    if (this.probe) {
      if (this.probe === 'client-close') this.act('send(probe)', () => conn.send(encoder.encode(`${MAGIC}probe`)));
      return;
    }
    if (rng.chance(0.3))
      for (let i = rng.range(1, 3); i > 0; i--) this.act('send(own)', () => conn.send(this.ownBytes()));
    if (rng.chance(0.15)) this.act('sendText(own)', () => conn.sendText(this.ownText()));
    if (rng.chance(0.1)) this.act('ping()', () => conn.ping(this.pingPayload()));
    if (rng.chance(0.05)) this.roundTrip(conn);
    if (rng.chance(0.15)) {
      const [code, reason] = this.closeArgs();
      this.later(rng.range(0, 1000), () => this.act(`close(${code}) later`, () => conn.close(code, reason)));
    }
    if (rng.chance(0.03)) this.act('close()', () => conn.close());
    if (rng.chance(0.02)) this.act('terminate()', () => conn.terminate());
    if (rng.chance(0.03)) this.driver.spawn();
  }

  private roundTrip(conn: Connection): void {
    this.note('measureRoundTrip()');
    try {
      conn.measureRoundTrip().then(
        () => {},
        (e: unknown) => {
          if (typeof errorCode(e) !== 'string')
            this.violation(`measureRoundTrip() rejected without a code: ${describe(e).what}`);
        },
      );
    } catch (e) {
      this.violation(`measureRoundTrip() threw ${describe(e).what}`, describe(e).stack);
    }
  }

  private onLowLatencyMessage(conn: Connection, data: Uint8Array, isText: boolean): void {
    const rng = this.rng;
    if (this.probe) {
      if (this.probe === 'client-close') this.act('close(1000)', () => conn.close(1000));
      return;
    }
    const action = rng.weighted<string>([
      [40, 'echo'],
      [8, 'own'],
      [2, 'big'],
      [5, 'ping'],
      [3, 'close'],
      [1, 'terminate'],
      [2, 'spawn'],
      [2, 'rtt'],
      [37, 'none'],
    ]);
    switch (action) {
      case 'echo':
        // The view itself, as the design invites (valid during the callback).
        if (isText && rng.chance(0.5)) this.act('sendText(decoded view)', () => conn.sendText(decoder.decode(data)));
        else this.act('send(view)', () => conn.send(data));
        break;
      case 'own':
        this.act('send(own)', () => conn.send(this.ownBytes()));
        break;
      case 'big':
        this.act('send(big own)', () => conn.send(this.ownBytes(rng.range(MiB / 2, 2 * MiB))));
        break;
      case 'ping':
        this.act('ping()', () => conn.ping(this.pingPayload()));
        break;
      case 'close': {
        const [code, reason] = this.closeArgs();
        this.act(`close(${code})`, () => conn.close(code, reason));
        break;
      }
      case 'terminate':
        this.act('terminate()', () => conn.terminate());
        break;
      case 'spawn':
        this.driver.spawn();
        break;
      case 'rtt':
        this.roundTrip(conn);
        break;
    }
  }

  private onClosed(event: string, code: unknown, reason: unknown, wasClean: unknown): void {
    this.note(`${event} ${String(code)}${wasClean ? ' clean' : ''}`);
    this.driver.count(`close ${String(code)}`);
    if (++this.closes > 1) {
      this.violation(`${event} fired ${this.closes} times`);
      return;
    }
    if (
      typeof code !== 'number' ||
      !Number.isInteger(code) ||
      typeof reason !== 'string' ||
      typeof wasClean !== 'boolean'
    ) {
      this.violation(`${event} got (${typeof code} ${String(code)}, ${typeof reason}, ${typeof wasClean})`);
    }
    if (this.probe && !wasClean)
      this.violation(`a well-behaved server's connection did not close cleanly (code ${String(code)})`);
    // Let the connect() promise settle and any late event show up before calling it done.
    this.later(50, () => {
      if (this.api === 'll') {
        if (this.settled === 'pending') this.violation('connect() still pending 50 ms after onClose');
        if (this.settled === 'resolved' && this.opens === 0)
          this.violation('closed without onOpen but connect() resolved');
      }
      this.end();
    });
  }

  // ---- the WebSocket class ----

  private openWebSocket(): void {
    const rng = this.rng;
    const driver = this.driver;
    let ws: BaseWebSocket;
    try {
      ws = new driver.client.WebSocket(this.url, [], this.options);
    } catch (e) {
      const d = describe(e);
      this.violation(`new WebSocket() threw ${d.what}`, d.stack);
      this.end();
      return;
    }
    ws.binaryType = rng.chance(0.5) ? 'arraybuffer' : 'blob';
    const on = (type: string, fn: (event: Event) => void) => {
      // Both ways applications listen.
      if (rng.chance(0.5)) ws.addEventListener(type, fn);
      else (ws as unknown as Record<string, unknown>)[`on${type}`] = fn;
    };
    on('open', () => {
      this.note('open');
      driver.count('open');
      if (this.closes > 0) this.violation('open after close');
      if (++this.opens > 1) this.violation('open fired twice');
      this.onWebSocketOpen(ws);
    });
    on('message', (event) => {
      driver.count('message');
      if (this.closes > 0) this.violation('message after close');
      else if (this.opens === 0) this.violation('message before open');
      else this.onWebSocketMessage(ws, (event as MessageEvent).data);
    });
    on('error', (event) => {
      const error = (event as { error?: unknown }).error;
      this.note(`error ${String(errorCode(error))}`);
      driver.count(`error ${String(errorCode(error))}`);
      if (this.closes > 0) this.violation('error after close');
      if (typeof errorCode(error) !== 'string')
        this.violation(`the error event carries no error with a code: ${describe(error).what}`);
    });
    on('close', (event) => {
      const e = event as CloseEvent;
      if (ws.readyState !== 3) this.violation(`readyState is ${ws.readyState} in the close event`);
      this.onClosed('close', e.code, e.reason, e.wasClean);
      if (rng.chance(0.2)) this.act('send() after close', () => ws.send('late'));
    });
  }

  private onWebSocketOpen(ws: BaseWebSocket): void {
    const rng = this.rng;
    if (this.probe) {
      if (this.probe === 'client-close') this.act('send(probe)', () => ws.send(`${MAGIC}probe`));
      return;
    }
    if (rng.chance(0.3)) for (let i = rng.range(1, 3); i > 0; i--) this.sendOwn(ws);
    if (rng.chance(0.15)) {
      const [code, reason] = this.closeArgs();
      this.later(rng.range(0, 1000), () => this.act(`close(${code}) later`, () => ws.close(code, reason)));
    }
    if (rng.chance(0.03)) this.act('close()', () => ws.close());
    if (rng.chance(0.03)) this.driver.spawn();
  }

  /** Text, bytes, a Blob, or a copy changed right after send() (what was sent must not change). */
  private sendOwn(ws: BaseWebSocket, size = this.ownSize()): void {
    const kind = this.rng.weighted<string>([
      [30, 'text'],
      [30, 'bytes'],
      [20, 'blob'],
      [20, 'changed'],
    ]);
    if (kind === 'text') this.act('send(own text)', () => ws.send(this.ownText(size)));
    else if (kind === 'bytes') this.act('send(own bytes)', () => ws.send(this.ownBytes(size)));
    else if (kind === 'blob') this.act('send(own Blob)', () => ws.send(new Blob([this.ownBytes(size).slice()])));
    else {
      const copy = this.ownBytes(size).slice();
      this.act('send(own copy), then zero it', () => ws.send(copy));
      copy.fill(0);
    }
  }

  private onWebSocketMessage(ws: BaseWebSocket, data: unknown): void {
    const rng = this.rng;
    if (this.probe) {
      if (this.probe === 'client-close') this.act('close(1000)', () => ws.close(1000));
      return;
    }
    const action = rng.weighted<string>([
      [45, 'echo'],
      [8, 'own'],
      [2, 'big'],
      [3, 'close'],
      [2, 'spawn'],
      [40, 'none'],
    ]);
    switch (action) {
      case 'echo':
        if (data instanceof ArrayBuffer && rng.chance(0.5))
          this.act('send(view of data)', () => ws.send(new Uint8Array(data)));
        else this.act('send(event.data)', () => ws.send(data as string | ArrayBuffer | Blob));
        break;
      case 'own':
        this.sendOwn(ws);
        break;
      case 'big':
        this.sendOwn(ws, rng.range(MiB / 2, 2 * MiB));
        break;
      case 'close': {
        const [code, reason] = this.closeArgs();
        this.act(`close(${code})`, () => ws.close(code, reason));
        break;
      }
      case 'spawn':
        this.driver.spawn();
        break;
    }
  }
}
