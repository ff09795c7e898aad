// The WebSocket class against the standards it implements, on Node, Bun and Deno: the WebSockets
// Standard (https://websockets.spec.whatwg.org/), WebIDL (https://webidl.spec.whatwg.org/) for argument
// conversion and the shape of the interface, HTML for event handler attributes and ErrorEvent, and DOM
// for EventInit. Each scenario says which step it checks; the expectations come from that text (and,
// where noted, web-platform-tests), not from this implementation. Runtime-neutral, as scenarios.ts.
import { type BaseWebSocket, WebSocketCloseEvent, WebSocketErrorEvent, type WebSocketError } from '../../src/api.ts';
import {
  AssertionError,
  closeBody,
  closeOnWire,
  eq,
  fail,
  frame,
  ok,
  sameBytes,
  scripted,
  sleep,
  throwsDom,
  wire,
  wireUntil,
  within,
  type Scenario,
  type WireRecord,
} from './scenarios.ts';

// ---- helpers ----

interface CloseEventLike extends Event {
  code: number;
  reason: string;
  wasClean: boolean;
}

function throwsType(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (error) {
    ok(error instanceof TypeError, `${what}: expected a TypeError, got ${String(error)}`);
    return;
  }
  fail(`${what}: did not throw`);
}

function opened(ws: BaseWebSocket, what = 'open'): Promise<Event> {
  return within(new Promise<Event>((resolve) => ws.addEventListener('open', resolve, { once: true })), 5000, what);
}
function closed(ws: BaseWebSocket, what = 'close'): Promise<CloseEventLike> {
  return within(
    new Promise<CloseEventLike>((resolve) =>
      ws.addEventListener('close', (e) => resolve(e as CloseEventLike), { once: true }),
    ),
    5000,
    what,
  );
}
/** Collects message events' data; next(i) waits for the i-th. */
function collect(ws: BaseWebSocket) {
  const data: unknown[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener('message', (e) => {
    data.push((e as MessageEvent).data);
    for (const w of waiters.splice(0)) w();
  });
  return {
    data,
    async next(i: number, ms = 5000): Promise<unknown> {
      const deadline = Date.now() + ms;
      while (data.length <= i) {
        if (Date.now() > deadline) throw new AssertionError(`message #${i}: only ${data.length} arrived`);
        await within(new Promise<void>((resolve) => waiters.push(resolve)), ms, `message #${i}`);
      }
      return data[i];
    },
  };
}
/** An attribute's or method's descriptor, wherever it is on the prototype chain. */
function descriptor(object: object, name: PropertyKey): PropertyDescriptor {
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return d;
  }
  fail(`no property ${String(name)}`);
}
const messages = (r: WireRecord) => r.events.filter((e) => e.type === 'message');
const hexOf = (...b: number[]) => b.map((x) => x.toString(16).padStart(2, '0')).join('');
const asAny = (ws: BaseWebSocket) =>
  ws as unknown as Record<string, unknown> & { send(data: unknown): void; close(...args: unknown[]): void };
// Runtimes without resizable ArrayBuffers have nothing to reject.
const resizable = (n: number): ArrayBuffer | null => {
  const b = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(n, {
    maxByteLength: n * 2,
  });
  return (b as { resizable?: boolean }).resizable ? b : null;
};
function detached(n: number): ArrayBuffer {
  const b = new ArrayBuffer(n);
  structuredClone(b, { transfer: [b] });
  return b;
}

// ---- scenarios ----

export const whatwgScenarios: Scenario[] = [
  {
    name: 'whatwg/constructor: WebIDL conversion of url and protocols, then the SyntaxError steps',
    async run(env) {
      const W = env.WebSocket as unknown as new (...args: unknown[]) => BaseWebSocket;
      // WebIDL overload resolution: the url argument is required.
      throwsType(() => new W(), 'new WebSocket()');
      // USVString url: ToString throws for a Symbol (before any URL parsing).
      throwsType(() => new W(Symbol('url')), 'new WebSocket(Symbol())');
      // Constructor step "If urlRecord's fragment is non-null": an empty fragment is non-null.
      throwsDom(() => new W(`${env.echoUrl}#`), 'SyntaxError', 'a URL ending in # (empty fragment)');
      // Step "If any of the values in protocols ... fail to match the requirements for elements of
      // Sec-WebSocket-Protocol": a string is a sequence of one, and '' is not a token.
      throwsDom(() => new W(env.echoUrl, ''), 'SyntaxError', "protocols ''");
      // "... occur more than once": compared case-insensitively (web-platform-tests
      // websockets/Create-protocols-repeated-case-insensitive.any.js).
      throwsDom(() => new W(env.echoUrl, ['chat', 'CHAT']), 'SyntaxError', "protocols ['chat', 'CHAT']");
      // (DOMString or sequence<DOMString>): a non-object is one DOMString, so null is the subprotocol "null".
      const a = scripted(env, '/ws', { protocol: 'null' });
      const wsNull = new W(a.url, null);
      await opened(wsNull, 'open with protocols null');
      eq(wsNull.protocol, 'null', 'protocol chosen from the offer "null"');
      eq((await wire(env, a.id)).headers['sec-websocket-protocol'], 'null', 'Sec-WebSocket-Protocol for null');
      // An object with Symbol.iterator is a sequence: a Set, its values converted with ToString.
      const b = scripted(env, '/ws', { protocol: 'b' });
      const wsSet = new W(new URL(b.url), new Set(['a', 'b']));
      await opened(wsSet, 'open with protocols Set and a URL object');
      eq((await wire(env, b.id)).headers['sec-websocket-protocol'], 'a, b', 'Sec-WebSocket-Protocol for a Set');
      for (const ws of [wsNull, wsSet]) {
        const c = closed(ws);
        ws.close();
        await c;
      }
    },
  },
  {
    name: 'whatwg/interface: constants, read-only attributes and brand checks as WebIDL exposes them',
    async run(env) {
      const W = env.WebSocket as unknown as Record<string, unknown> & { prototype: object };
      const ws = new env.WebSocket(env.refusedUrl);
      const done = closed(ws);
      // WebIDL constants: on the interface object and the prototype, { writable: false }.
      eq([W.CONNECTING, W.OPEN, W.CLOSING, W.CLOSED].join(), '0,1,2,3', 'interface object constants');
      eq([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED].join(), '0,1,2,3', 'constants through an instance');
      eq(descriptor(W, 'OPEN').writable, false, 'WebSocket.OPEN is read-only');
      eq(descriptor(W.prototype, 'OPEN').writable, false, 'WebSocket.prototype.OPEN is read-only');
      throwsType(() => (W.OPEN = 5), 'assigning WebSocket.OPEN (strict mode)');
      throwsType(() => (asAny(ws).CLOSED = 5), 'assigning ws.CLOSED (strict mode)');
      // Attributes are accessors on the prototype: an instance has no own properties, and a read-only
      // attribute has no setter, so assignment throws in strict mode.
      eq(Object.keys(ws).join(), '', 'own enumerable properties of a WebSocket');
      for (const name of ['url', 'readyState', 'bufferedAmount', 'extensions', 'protocol']) {
        const d = descriptor(ws, name);
        ok(d.get && !d.set, `${name} is a getter without a setter`);
        eq(d.enumerable, true, `${name} is enumerable`);
        throwsType(() => (asAny(ws)[name] = 'x'), `assigning ${name}`);
      }
      for (const name of ['onopen', 'onmessage', 'onerror', 'onclose', 'binaryType']) {
        const d = descriptor(ws, name);
        ok(d.get && d.set && d.enumerable, `${name} is an enumerable accessor with a setter`);
      }
      // Operations: enumerable, with length = number of required arguments.
      eq(descriptor(ws, 'send').enumerable, true, 'send is enumerable');
      eq((asAny(ws).send as unknown as () => void).length, 1, 'send.length');
      eq((asAny(ws).close as unknown as () => void).length, 0, 'close.length');
      // The class string is the interface name.
      eq(Object.prototype.toString.call(ws), '[object WebSocket]', 'class string');
      // Brand checks: the getters and methods throw a TypeError for an object that is not a WebSocket.
      throwsType(() => descriptor(ws, 'readyState').get?.call({}), 'readyState getter on {}');
      throwsType(() => descriptor(ws, 'onmessage').set?.call({}, () => {}), 'onmessage setter on {}');
      throwsType(() => (descriptor(ws, 'send').value as (d: string) => void).call({}, 'x'), 'send on {}');
      await done;
    },
  },
  {
    name: 'whatwg/event handlers: primitives become null, objects are kept and never called if not callable',
    async run(env) {
      const ws = new env.WebSocket(env.echoUrl);
      const any = asAny(ws);
      // WebIDL: EventHandlerNonNull is [LegacyTreatNonObjectAsNull], so assigning a non-object to the
      // (nullable) attribute gives null, and no TypeError.
      for (const value of [3, 'alert(1)', true, 10n, Symbol('s'), undefined]) {
        any.onmessage = () => {};
        any.onmessage = value;
        eq(ws.onmessage, null, `onmessage = ${typeof value}`);
      }
      // Any object is kept as the callback, callable or not; one that is not callable does nothing when
      // invoked (WebIDL "invoke a callback function": IsCallable false returns undefined), and event
      // handlers never look at handleEvent (HTML: the value is a callback function, not an EventListener).
      let handleEventCalls = 0;
      const notCallable = { handleEvent: () => handleEventCalls++ };
      any.onopen = notCallable;
      eq(ws.onopen as unknown, notCallable, 'onopen keeps a non-callable object');
      any.onmessage = notCallable;
      any.onclose = {};
      const got = collect(ws);
      await opened(ws);
      ws.send('x');
      eq(await got.next(0), 'x', 'the message arrived');
      eq(handleEventCalls, 0, 'handleEvent of a non-callable handler is never called');
      // HTML "event handler IDL attribute" setter: null deactivates (removes the listener), and a new
      // value activates it again at the end of the listener list; a change without null keeps its place.
      const order: string[] = [];
      ws.onmessage = () => order.push('A');
      ws.addEventListener('message', () => order.push('B'));
      ws.onmessage = null;
      ws.onmessage = () => order.push('C');
      ws.send('y');
      await got.next(1);
      eq(order.join(), 'B,C', 'onmessage set to null and again: after the listener added in between');
      order.length = 0;
      ws.onmessage = () => order.push('D');
      ws.send('z');
      await got.next(2);
      eq(order.join(), 'B,D', 'a handler replaced without null keeps its place');
      // The handler is called with this = the WebSocket and the event; HTML's event handler processing:
      // a return value of false cancels the event.
      let self: unknown = null;
      ws.onclose = function (this: unknown) {
        self = this;
        return false;
      };
      const event = new WebSocketCloseEvent('close', { cancelable: true });
      eq(ws.dispatchEvent(event), false, 'dispatchEvent returns false: the handler returned false');
      eq(event.defaultPrevented, true, 'defaultPrevented');
      eq(self, ws, 'this in the handler');
      ws.onclose = null;
      const done = closed(ws);
      ws.close();
      await done;
    },
  },
  {
    name: 'whatwg/send: the bytes a buffer or view holds when send() is called, also behind a Blob',
    async run(env) {
      // send(): "send a WebSocket Message comprised of data": the data the argument holds at the call
      // (WebIDL: a buffer source's bytes are read when the operation runs), whatever is queued before it.
      const ws = new env.WebSocket(env.echoUrl);
      ws.binaryType = 'arraybuffer';
      const got = collect(ws);
      await opened(ws);
      const direct = new Uint8Array([1, 2, 3]);
      ws.send(direct); // nothing queued: framed now
      direct[0] = 99;
      ws.send(new Blob([new Uint8Array([7])])); // read asynchronously: what follows waits behind it
      const view = new Uint8Array([4, 5, 6]);
      const buffer = new Uint8Array([10, 11]).buffer;
      const backing = new Uint8Array([0, 20, 21, 0]);
      ws.send(view);
      ws.send(buffer);
      ws.send(new DataView(backing.buffer, 1, 2));
      ws.send(backing.subarray(1, 3));
      view.fill(0);
      new Uint8Array(buffer).fill(0);
      backing.fill(0);
      const expected = [[1, 2, 3], [7], [4, 5, 6], [10, 11], [20, 21], [20, 21]];
      for (let i = 0; i < expected.length; i++) {
        const data = await got.next(i);
        ok(data instanceof ArrayBuffer, `message ${i}: binaryType arraybuffer gives an ArrayBuffer`);
        sameBytes(new Uint8Array(data), new Uint8Array(expected[i]), `message ${i}: the bytes at the time of send()`);
      }
      const done = closed(ws);
      ws.close();
      eq((await done).wasClean, true, 'clean close');
    },
  },
  {
    name: 'whatwg/send: (BufferSource or Blob or USVString) conversion of every kind of value',
    async run(env) {
      const { url, id } = scripted(env, '/ws');
      const W = env.WebSocket as unknown as new (url: string) => BaseWebSocket;
      const ws = new W(url);
      const any = asAny(ws);
      const sab = new SharedArrayBuffer(4);
      // WebIDL: the typed array and DataView conversions throw a TypeError for a view over a
      // SharedArrayBuffer (BufferSource has no [AllowShared]); arguments are converted before the
      // method's steps, so this is a TypeError even while CONNECTING, not an InvalidStateError.
      throwsType(() => any.send(new Uint8Array(sab)), 'send(Uint8Array over a SharedArrayBuffer) while CONNECTING');
      throwsDom(() => any.send(new Uint8Array(2)), 'InvalidStateError', 'send() while CONNECTING (send step 1)');
      throwsType(() => Reflect.apply(any.send, ws, []), 'send() without an argument');
      await opened(ws);
      throwsType(() => any.send(new Int16Array(sab)), 'send(Int16Array over a SharedArrayBuffer)');
      throwsType(() => any.send(new DataView(sab)), 'send(DataView over a SharedArrayBuffer)');
      // No [AllowResizable]: a resizable ArrayBuffer, or a view over one, is a TypeError.
      const rab = resizable(4);
      if (rab) {
        throwsType(() => any.send(rab), 'send(resizable ArrayBuffer)');
        throwsType(() => any.send(new Uint8Array(rab)), 'send(Uint8Array over a resizable ArrayBuffer)');
      }
      // A Symbol cannot be converted to USVString.
      throwsType(() => any.send(Symbol('s')), 'send(Symbol())');
      eq(ws.bufferedAmount, 0, 'nothing that threw was counted');
      // What goes out, in order. A SharedArrayBuffer matches none of BufferSource's types (the union
      // conversion skips it), so like any other object it is converted to a string.
      // [value, text message or binary, the payload's bytes as hex]
      const text = (s: string) =>
        Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
      const sent: [unknown, boolean, string][] = [
        [sab, true, text('[object SharedArrayBuffer]')],
        [{}, true, text('[object Object]')],
        [[1, 2], true, text('1,2')],
        [null, true, text('null')],
        [undefined, true, text('undefined')],
        [12, true, text('12')],
        [false, true, text('false')],
        [10n, true, text('10')],
        ['a\uD800b', true, hexOf(0x61, 0xef, 0xbf, 0xbd, 0x62)], // USVString: a lone surrogate is U+FFFD
        [detached(8), false, ''], // a detached buffer holds no bytes: an empty binary message
        [new Float32Array([1]), false, hexOf(0, 0, 0x80, 0x3f)], // any typed array: its bytes
        [new Uint16Array(new Uint8Array([1, 2, 3, 4, 5, 6]).buffer, 2, 1), false, hexOf(3, 4)], // only its section
        [new Blob(['bl', new Uint8Array([0])]), false, hexOf(0x62, 0x6c, 0)],
      ];
      let expectedBuffered = 0;
      for (const [value] of sent) {
        any.send(value);
        // Each send() that does not throw increases bufferedAmount by the bytes of its data (UTF-8 for text).
        expectedBuffered +=
          value instanceof Blob
            ? value.size
            : ArrayBuffer.isView(value)
              ? value.byteLength
              : value instanceof ArrayBuffer
                ? 0
                : new TextEncoder().encode(String(value)).length;
      }
      eq(ws.bufferedAmount, expectedBuffered, 'bufferedAmount right after the sends, in the same task');
      const r = await wireUntil(
        env,
        id,
        (x) => messages(x).length >= sent.length,
        `${sent.length} messages on the wire`,
      );
      const m = messages(r);
      for (let i = 0; i < sent.length; i++) {
        const [, isText, expected] = sent[i];
        eq(m[i].isText, isText, `message ${i}: text or binary`);
        eq(m[i].hex, expected, `message ${i} on the wire`);
      }
      const done = closed(ws);
      ws.close();
      await done;
    },
  },
  {
    name: "whatwg/bufferedAmount: all of the current task's sends without framing, 0 once sent, only grows after close",
    async run(env) {
      const ws = new env.WebSocket(env.echoUrl);
      const got = collect(ws);
      eq(ws.bufferedAmount, 0, 'bufferedAmount while CONNECTING');
      const inOpen: number[] = [];
      ws.onopen = () => {
        // "queued using send() but that, as of the last time the event loop reached step 1, had not yet
        // been transmitted ... includes any text sent during the execution of the current task ...
        // does not include framing overhead": exact byte counts, however fast the socket took them.
        ws.send('abc');
        inOpen.push(ws.bufferedAmount);
        ws.send(new Uint8Array(5));
        inOpen.push(ws.bufferedAmount);
        ws.send('é😀'); // 2 + 4 bytes of UTF-8
        inOpen.push(ws.bufferedAmount);
        ws.send(new Blob([new Uint8Array(7)])); // "by the size of the Blob object's raw data"
        inOpen.push(ws.bufferedAmount);
      };
      await opened(ws);
      eq(inOpen.join(), '3,8,14,21', 'bufferedAmount after each send() in the open task');
      await got.next(3);
      await sleep(20); // a later task: everything was transmitted (the server echoed it)
      eq(ws.bufferedAmount, 0, 'bufferedAmount once the data was transmitted');
      const done = closed(ws);
      ws.close();
      // send() while CLOSING: nothing is sent, but bufferedAmount increases.
      ws.send('xy');
      eq(ws.bufferedAmount, 2, 'bufferedAmount after send() while CLOSING');
      await done;
      // "If the WebSocket connection is closed, this attribute's value will only increase with each
      // call to the send() method (the number does not reset to zero once the connection closes)."
      const before = ws.bufferedAmount;
      ok(before >= 2, `bufferedAmount after close is not reset (${before})`);
      ws.send('1234');
      ws.send(new Uint8Array(3).buffer);
      eq(ws.bufferedAmount, before + 7, 'bufferedAmount after send() on a CLOSED socket');
      await sleep(20);
      eq(ws.bufferedAmount, before + 7, 'and it stays there');
      eq(got.data.length, 4, 'nothing was received for the sends after close()');
    },
  },
  {
    name: 'whatwg/close(): [Clamp] code and USVString reason converted first, code checked before reason',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { echo: 1 });
      const ws = new env.WebSocket(url);
      const any = asAny(ws);
      await opened(ws);
      // close() step 1: "If code is present, but is neither an integer equal to 1000 nor an integer in the
      // range 3000 to 4999": after [Clamp] unsigned short conversion (clamped to 0..65535, rounded to
      // the nearest integer, ties to even; NaN is 0).
      for (const code of [NaN, -1, null, 'abc', 999.4, 4999.5, Infinity, 70000, 1001]) {
        throwsDom(() => any.close(code), 'InvalidAccessError', `close(${String(code)})`);
      }
      // Step 1 comes before step 2: an invalid code wins over a too long reason.
      throwsDom(() => any.close(0, 'x'.repeat(200)), 'InvalidAccessError', 'close(0, 200-byte reason)');
      // Both arguments are converted before step 1: a reason that cannot be converted throws first.
      const boom = new Error('toString');
      try {
        any.close(0, {
          toString: () => {
            throw boom;
          },
        });
        fail('close(0, throwing reason) did not throw');
      } catch (error) {
        ok(error === boom, `the reason's conversion error comes before the code check, got ${String(error)}`);
      }
      throwsType(() => any.close(Symbol('c')), 'close(Symbol())');
      throwsType(() => any.close(1000, Symbol('r')), 'close(1000, Symbol())');
      // Step 2: the reason's UTF-8 encoding (lone surrogates as U+FFFD, 3 bytes) is at most 123 bytes.
      throwsDom(() => ws.close(1000, '\uD800'.repeat(42)), 'SyntaxError', 'close() with a 126-byte reason');
      eq(ws.readyState, ws.OPEN, 'still OPEN after the rejected calls');
      // 2999.5 rounds to the even 3000: a valid code. The 123-byte reason of lone surrogates is allowed.
      const done = closed(ws);
      any.close(2999.5, '\uD800'.repeat(41));
      eq(ws.readyState, ws.CLOSING, 'readyState CLOSING right after close()');
      // Step 3 "If readyState is CLOSING or CLOSED: do nothing", but steps 1 and 2 still run.
      ws.close(4000);
      throwsDom(() => ws.close(1), 'InvalidAccessError', 'close(1) while CLOSING');
      const e = await done;
      eq(e.code, 3000, 'close event code (the server echoed ours)');
      const r = await wireUntil(env, id, (x) => !!closeOnWire(x), 'a close frame on the wire');
      eq(closeOnWire(r)?.code, 3000, 'close code on the wire');
      eq(closeOnWire(r)?.reason, '\uFFFD'.repeat(41), 'close reason on the wire');
      eq(r.events.filter((x) => x.type === 'close').length, 1, 'one close frame');
    },
  },
  {
    name: 'whatwg/close(): no arguments sends a Close without body; a reason alone goes after code 1000',
    async run(env) {
      // close() step 3: "If neither code nor reason is present, the WebSocket Close message must not
      // have a body"; "If reason is also present, reasonBytes must be provided in the Close message
      // after the status code": a body starts with a status code (RFC 6455 §5.5.1), 1000 when absent.
      const a = scripted(env, '/ws');
      const b = scripted(env, '/ws');
      const wsA = new env.WebSocket(a.url);
      const wsB = new env.WebSocket(b.url);
      await Promise.all([opened(wsA), opened(wsB)]);
      const done = Promise.all([closed(wsA), closed(wsB)]);
      wsA.close();
      asAny(wsB).close(undefined, 'why');
      const [ea, eb] = await done;
      eq(ea.code, 1005, 'close event code after an empty Close (1005: no status code)');
      eq(eb.code, 1000, 'close event code after close(undefined, reason)');
      eq(eb.reason, 'why', 'close event reason after close(undefined, reason)');
      eq(closeOnWire(await wire(env, a.id))?.code, 1005, 'close() sent a Close without body');
      const rb = closeOnWire(await wire(env, b.id));
      eq(`${rb?.code} ${rb?.reason}`, '1000 why', 'close(undefined, "why") on the wire');
    },
  },
  {
    name: 'whatwg/close() while CONNECTING: CLOSING at once, then error and close 1006 from a later task',
    async run(env) {
      const { url } = scripted(env, '/silent');
      const ws = new env.WebSocket(url);
      const events: string[] = [];
      let stateInError = -1;
      let errorEvent: Event | null = null;
      ws.onerror = (e) => {
        events.push('error');
        stateInError = ws.readyState;
        errorEvent = e;
      };
      const done = closed(ws);
      ws.addEventListener('close', () => events.push('close'));
      // close() step 3: "If the WebSocket connection is not yet established: Fail the WebSocket
      // connection and set readyState to CLOSING".
      ws.close();
      eq(ws.readyState, ws.CLOSING, 'readyState right after close()');
      // The close event is fired from a queued task ("When the WebSocket connection is closed ... queue a
      // task"), never inside the close() call.
      eq(events.join(), '', 'no event inside close()');
      ws.close(); // CLOSING: nothing
      const e = await done;
      // "Change readyState to CLOSED; if the user agent was required to fail the WebSocket connection,
      // fire an event named error; fire close ... code 1006, wasClean false."
      eq(events.join(), 'error,close', 'events');
      eq(stateInError, ws.CLOSED, 'readyState during the error event');
      eq(e.code, 1006, 'close code');
      eq(e.wasClean, false, 'wasClean');
      eq(e.reason, '', 'reason');
      const err = errorEvent as unknown as Event;
      ok(err instanceof Event, 'the error event is an Event');
      eq(`${err.type} ${err.bubbles} ${err.cancelable}`, 'error false false', 'error event type, bubbles, cancelable');
    },
  },
  {
    name: 'whatwg/a failed connection: error then close 1006, readyState CLOSED in both',
    async run(env) {
      // A reserved opcode makes the client fail the connection (RFC 6455 §5.2). "When the WebSocket
      // connection is closed": readyState CLOSED, then error (the connection was failed), then close
      // with the connection close code: no Close frame was received, so 1006.
      const { url } = scripted(env, '/ws', { frames: frame(0x83) });
      const ws = new env.WebSocket(url);
      const seen: string[] = [];
      ws.onerror = (e) =>
        seen.push(`error@${ws.readyState}:${(e as unknown as { error?: WebSocketError }).error?.code}`);
      ws.onclose = (e) => seen.push(`close@${ws.readyState}:${e.code}:${e.wasClean}`);
      await closed(ws);
      eq(seen.join(' '), 'error@3:ERR_PROTOCOL close@3:1006:false', 'events and readyState');
    },
  },
  {
    name: 'whatwg/messages: text keeps a BOM, binaryType picks Blob or ArrayBuffer, origin; none after close()',
    async run(env) {
      // "a WebSocket message has been received": type Text gives "a new DOMString containing data" (a
      // leading U+FEFF is data, not a byte order mark to strip); Binary gives a Blob or an ArrayBuffer
      // by binaryType at that moment; origin is the serialization of the url's origin.
      const frames = frame(0x81, '\uFEFFhi') + frame(0x82, new Uint8Array([1, 2])) + frame(0x82, new Uint8Array([3]));
      const { url } = scripted(env, '/ws', { frames, echo: 1 });
      const ws = new env.WebSocket(url);
      const events: MessageEvent[] = [];
      ws.addEventListener('message', (e) => {
        events.push(e);
        if (events.length === 2) ws.binaryType = 'arraybuffer';
      });
      const got = collect(ws);
      await got.next(2);
      eq(events[0].data, '\uFEFFhi', 'text message with a leading U+FEFF');
      ok(events[1].data instanceof Blob, 'binaryType blob (the default) gives a Blob');
      sameBytes(new Uint8Array(await (events[1].data as Blob).arrayBuffer()), new Uint8Array([1, 2]), 'Blob contents');
      ok(events[2].data instanceof ArrayBuffer, 'binaryType arraybuffer, set in between, gives an ArrayBuffer');
      eq(events[0].origin, `ws://${new URL(url).host}`, 'origin');
      // "If readyState is not OPEN, then return": the echo of a message sent just before close() comes
      // back while CLOSING and is not delivered.
      const done = closed(ws);
      ws.send('late');
      ws.close();
      const e = await done;
      eq(e.wasClean, true, 'clean close');
      eq(events.length, 3, 'no message event after close()');
    },
  },
  {
    name: "whatwg/close event: the Close frame's code and reason; an empty one is 1005",
    async run(env) {
      // "fire close ... wasClean true if the connection closed cleanly, code the WebSocket connection
      // close code, reason the WebSocket connection close reason": with no status code, 1005 and ''.
      const a = scripted(env, '/ws', { frames: frame(0x88), closeInFrames: 1 });
      const b = scripted(env, '/ws', { frames: frame(0x88, closeBody(4999, 'é')), closeInFrames: 1 });
      const wsA = new env.WebSocket(a.url);
      const wsB = new env.WebSocket(b.url);
      const [ea, eb] = await Promise.all([closed(wsA), closed(wsB)]);
      eq(`${ea.code} "${ea.reason}" ${ea.wasClean}`, '1005 "" true', 'an empty Close frame');
      eq(`${eb.code} "${eb.reason}" ${eb.wasClean}`, '4999 "é" true', 'a Close frame with code and reason');
      ok(ea instanceof WebSocketCloseEvent && ea instanceof Event, 'a CloseEvent');
      eq(`${ea.type} ${ea.bubbles} ${ea.cancelable}`, 'close false false', 'close event type, bubbles, cancelable');
      eq(wsA.readyState, wsA.CLOSED, 'readyState');
    },
  },
  {
    name: 'whatwg/binaryType: an enumeration attribute (ToString, values outside it ignored)',
    async run(env) {
      const ws = new env.WebSocket(env.refusedUrl);
      const done = closed(ws);
      const any = asAny(ws);
      // "When a WebSocket object is created, its binaryType IDL attribute must be set to 'blob'".
      eq(ws.binaryType, 'blob', 'initial binaryType');
      // WebIDL attribute setter for an enumeration: ToString (a TypeError for a Symbol), and a string
      // that is not one of the values is ignored.
      any.binaryType = { toString: () => 'arraybuffer' };
      eq(ws.binaryType, 'arraybuffer', 'an object whose string is "arraybuffer"');
      for (const v of ['Blob', 'ARRAYBUFFER', '', null, 1]) {
        any.binaryType = v;
        eq(ws.binaryType, 'arraybuffer', `binaryType = ${JSON.stringify(v)} is ignored`);
      }
      throwsType(() => (any.binaryType = Symbol('blob')), 'binaryType = Symbol()');
      any.binaryType = 'blob';
      eq(ws.binaryType, 'blob', 'set back to blob');
      await done;
    },
  },
  {
    name: 'whatwg/CloseEvent constructor: required type, EventInit and CloseEventInit conversions',
    async run() {
      const CE = WebSocketCloseEvent as unknown as new (...args: unknown[]) => WebSocketCloseEvent;
      // constructor(DOMString type, optional CloseEventInit eventInitDict = {}): type is required...
      throwsType(() => new CE(), 'new CloseEvent()');
      // ... and converted with ToString, undefined included (an argument given as undefined is present).
      eq(new CE(undefined).type, 'undefined', 'new CloseEvent(undefined).type');
      throwsType(() => new CE(Symbol('t')), 'new CloseEvent(Symbol())');
      const plain = new CE('close');
      eq(
        [
          plain.bubbles,
          plain.cancelable,
          plain.composed,
          plain.wasClean,
          plain.code,
          JSON.stringify(plain.reason),
        ].join(),
        'false,false,false,false,0,""',
        'CloseEventInit defaults: wasClean false, code 0, reason ""',
      );
      // The dictionary inherits EventInit: bubbles, cancelable, composed. boolean members use ToBoolean,
      // code is unsigned short (modulo 2^16), reason USVString.
      const e = new CE('x', {
        bubbles: 1,
        cancelable: 'yes',
        composed: {},
        wasClean: 'no',
        code: 70000,
        reason: 'a\uD800',
      });
      eq(
        [e.bubbles, e.cancelable, e.composed, e.wasClean, e.code, e.reason].join(),
        'true,true,true,true,4464,a\uFFFD',
        'converted init',
      );
      eq(new CE('x', { code: -1 }).code, 65535, 'code -1');
      eq(new CE('x', { code: 1000.9 }).code, 1000, 'code 1000.9');
      eq(new CE('x', { code: '3000' }).code, 3000, "code '3000'");
      eq(new CE('x', { code: NaN }).code, 0, 'code NaN');
      throwsType(() => new CE('x', { code: 1n }), 'code 1n (ToNumber of a BigInt)');
      // A dictionary argument: null is an empty dictionary, a non-object a TypeError.
      eq(new CE('x', null).code, 0, 'init null');
      throwsType(() => new CE('x', 5), 'init 5');
      // Members are read once each, inherited dictionary first, each in lexicographic order.
      const reads: string[] = [];
      const init = {};
      for (const k of ['reason', 'wasClean', 'code', 'composed', 'cancelable', 'bubbles']) {
        Object.defineProperty(init, k, { get: () => void reads.push(k), enumerable: true });
      }
      new CE('x', init);
      eq(reads.join(), 'bubbles,cancelable,composed,code,reason,wasClean', 'dictionary member read order');
      // readonly attributes: accessors on the prototype, no setter.
      ok(!Object.keys(e).some((k) => ['code', 'reason', 'wasClean'].includes(k)), 'no own code/reason/wasClean');
      throwsType(() => ((e as unknown as { code: number }).code = 1), 'assigning code (strict mode)');
      ok(e instanceof Event, 'an Event');
      eq(Object.prototype.toString.call(e), '[object CloseEvent]', 'class string');
    },
  },
  {
    name: 'whatwg/error event class: ErrorEvent constructor and the event a WebSocket fires',
    async run(env) {
      const EE = WebSocketErrorEvent as unknown as new (...args: unknown[]) => WebSocketErrorEvent;
      // HTML ErrorEvent: constructor(DOMString type, optional ErrorEventInit eventInitDict = {}).
      throwsType(() => new EE(), 'new ErrorEvent()');
      const plain = new EE('error');
      eq(
        [plain.message, plain.filename, plain.lineno, plain.colno, String(plain.error)].join('|'),
        '||0|0|undefined',
        'defaults',
      );
      const e = new EE('error', { message: 5, lineno: -1, colno: 2 ** 32 + 3, filename: 'f\uDC00', cancelable: true });
      eq(
        [e.message, e.lineno, e.colno, e.filename, e.cancelable].join('|'),
        '5|4294967295|3|f\uFFFD|true',
        'converted init',
      );
      ok(e instanceof Event, 'an Event');
      // The error event fired for a failure is a plain "error" event at the WebSocket that does not
      // bubble and cannot be canceled; here it also carries the WebSocketError.
      const ws = new env.WebSocket(env.refusedUrl);
      const done = closed(ws);
      const fired = await within(
        new Promise<WebSocketErrorEvent>((resolve) => ws.addEventListener('error', resolve)),
        5000,
        'error event',
      );
      eq(
        `${fired.type} ${fired.bubbles} ${fired.cancelable} ${fired.target === ws}`,
        'error false false true',
        'fired error event',
      );
      eq(fired.error?.code, 'ERR_CONNECT', 'error.code');
      eq(fired.message, fired.error?.message, 'message is the error message');
      await done;
    },
  },
];
