// WebSocketStream on every runtime: messages through the streams both ways, async iteration, the close
// handshake through `closed`, failures through `opened` and `closed`, the signal (the handshake only),
// and backpressure from the readable side: a reader that stops makes the client stop reading from the
// socket, which the scripted server sees as a socket that takes no more.
import type { WebSocketError } from '../../src/api.ts';
import { eq, fail, frame, ok, rejects, scripted, sleep, throwsDom, wire, type Scenario } from './scenarios.ts';

const encoder = new TextEncoder();

async function rejectsWith(promise: Promise<unknown>, code: string, what: string): Promise<WebSocketError> {
  return rejects(promise, code, what);
}

export const streamScenarios: Scenario[] = [
  {
    name: 'stream/echo: text and binary in order, views copied, async iteration; close() resolves closed with the code and reason',
    async run(env) {
      const { url } = scripted(env, '/ws', { echo: 1 });
      const wss = new env.WebSocketStream(url, { protocols: [] });
      eq(wss.url, url, 'url');
      const { readable, writable, protocol, extensions } = await wss.opened;
      eq(protocol, '', 'protocol');
      eq(extensions, '', 'extensions (the scripted server agrees to none)');
      const writer = writable.getWriter();
      const big = new Uint8Array(300_000).map((_, i) => i % 251);
      const backing = new Uint8Array([0, 1, 2, 3, 4, 5]);
      await writer.write('héllo');
      await writer.write(backing.buffer);
      await writer.write(new DataView(backing.buffer, 2, 3));
      await writer.write(big);
      await writer.write('');
      const got: (string | Uint8Array)[] = [];
      for await (const message of readable) {
        got.push(message);
        if (got.length === 5) break; // leaving the loop cancels the readable side: that closes the connection
      }
      eq(got[0], 'héllo', 'text');
      eq([...(got[1] as Uint8Array)].join(), '0,1,2,3,4,5', 'ArrayBuffer');
      eq([...(got[2] as Uint8Array)].join(), '2,3,4', 'DataView');
      ok(got[3] instanceof Uint8Array && got[3].length === big.length, 'the 300 KB message');
      ok(
        (got[3] as Uint8Array).every((b, i) => b === i % 251),
        'its bytes',
      );
      eq(got[4], '', 'an empty text message');
      const closed = await wss.closed;
      eq(closed.closeCode, 1005, 'cancelling the readable side closes without a code (the server echoes none: 1005)');

      const second = scripted(env, '/ws', { echo: 1 });
      const wss2 = new env.WebSocketStream(second.url);
      await wss2.opened;
      wss2.close({ closeCode: 4001, reason: 'done here' });
      const info = await wss2.closed;
      eq(`${info.closeCode} ${info.reason}`, '4001 done here', 'closed: the echoed code and reason');
      const record = await wire(env, second.id);
      const close = record.events.find((e) => e.type === 'close');
      eq(`${close?.code} ${close?.reason}`, '4001 done here', 'on the wire');
    },
  },
  {
    name: 'stream/backpressure: a reader that stops pauses reading from the socket; every message arrives in order once read',
    timeout: 60_000,
    async run(env) {
      const count = 2000;
      const size = 64 * 1024; // 125 MiB in all
      const { url, id } = scripted(env, '/ws', { flood: count, size });
      const wss = new env.WebSocketStream(url);
      const { readable } = await wss.opened;
      const reader = readable.getReader();
      const first = await reader.read();
      ok(first.value instanceof Uint8Array && first.value.length === size, 'the first message');
      await sleep(1500);
      const stalled = (await wire(env, id)).flooded;
      // Not reading: the server can hand over only what the kernel's buffers and the read-ahead (1 MiB) hold.
      ok(stalled * size < 48 * 1024 * 1024, `the server wrote ${stalled} of ${count} messages while nobody read`);
      await sleep(500);
      const later = (await wire(env, id)).flooded;
      eq(later, stalled, 'and no more while still not reading');
      let expected = 1;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) fail('the readable side ended early');
        const view = new DataView((value as Uint8Array).buffer, (value as Uint8Array).byteOffset);
        eq(view.getUint32(0), expected, 'messages in order');
        eq((value as Uint8Array)[size - 1], expected & 255, 'its last byte');
        if (++expected === count) break;
      }
      eq((await wire(env, id)).flooded, count, 'the server wrote everything once read');
      wss.close();
      await wss.closed;
    },
  },
  {
    name: 'stream/connect() pause() and resume(): no messages while paused, all after',
    async run(env) {
      const { url, id } = scripted(env, '/ws', { flood: 400, size: 64 * 1024 });
      let received = 0;
      const conn = await env.connect(url, {
        onMessage: () => {
          received++;
        },
      });
      conn.pause();
      ok(conn.isPaused, 'isPaused');
      await sleep(800);
      const whilePaused = received;
      await sleep(400);
      eq(received, whilePaused, 'nothing delivered while paused');
      ok((await wire(env, id)).flooded < 400, 'the server could not write everything');
      conn.resume();
      for (let i = 0; i < 100 && received < 400; i++) await sleep(50);
      eq(received, 400, 'everything after resume()');
      conn.close();
    },
  },
  {
    name: 'stream/failures: SyntaxError for a bad URL; a refusal rejects opened and closed; a protocol error errors the readable side; close() arguments checked',
    async run(env) {
      throwsDom(() => new env.WebSocketStream('ftp://x/'), 'SyntaxError', 'bad scheme');
      const refused = new env.WebSocketStream(env.refusedUrl);
      await rejectsWith(refused.opened, 'ERR_CONNECT', 'refused: opened');
      await rejectsWith(refused.closed, 'ERR_CONNECT', 'refused: closed');

      const broken = scripted(env, '/ws', { frames: frame(0x83) }); // a reserved opcode
      const wss = new env.WebSocketStream(broken.url);
      const { readable } = await wss.opened;
      const reader = readable.getReader();
      await rejectsWith(reader.read(), 'ERR_PROTOCOL', 'the readable side');
      const e = await rejectsWith(wss.closed, 'ERR_PROTOCOL', 'closed');
      eq(e.closeCode, 1002, 'close code');

      const open = new env.WebSocketStream(scripted(env, '/ws', { echo: 1 }).url);
      await open.opened;
      throwsDom(() => open.close({ closeCode: 1001 }), 'InvalidAccessError', 'close code 1001');
      throwsDom(() => open.close({ closeCode: 1000, reason: 'x'.repeat(124) }), 'SyntaxError', 'a long reason');
      open.close({ reason: 'a reason alone' });
      const info = await open.closed;
      eq(`${info.closeCode} ${info.reason}`, '1000 a reason alone', 'a reason without a code sends 1000');
      const { writable } = await open.opened;
      const writer = writable.getWriter();
      try {
        await writer.write(encoder.encode('late'));
        fail('a write after close succeeded');
      } catch (error) {
        ok(error instanceof Error, `a write after close fails: ${String(error)}`);
      }
    },
  },
  {
    name: 'stream/signal: aborts the handshake (ERR_ABORTED); once open it does nothing',
    async run(env) {
      const controller = new AbortController();
      const silent = new env.WebSocketStream(`${env.scriptedUrl}/silent`, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await rejectsWith(silent.opened, 'ERR_ABORTED', 'aborted while connecting');
      const late = new AbortController();
      const wss = new env.WebSocketStream(scripted(env, '/ws', { echo: 1 }).url, { signal: late.signal });
      const { readable, writable } = await wss.opened;
      late.abort();
      const writer = writable.getWriter();
      await writer.write('still open');
      const reader = readable.getReader();
      eq((await reader.read()).value, 'still open', 'open after the signal aborted');
      wss.close();
      await wss.closed;
    },
  },
];
