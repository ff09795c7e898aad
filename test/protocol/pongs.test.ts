// Pongs under backpressure (src/protocol/sender.ts): every ping answered while little waits to be sent;
// past the backlog only the newest waits; and pongs never go out of order. Found by the server fuzzer on
// Deno, where writes queue in JS: a ping answered late (kept as pending) went out after the pong of a
// newer ping. The transport here is a recorder whose backlog the test sets, so the order is exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Codec, Role } from '../../src/codec/index.ts';
import { Sender } from '../../src/protocol/sender.ts';
import type { Transport } from '../../src/transport.ts';

/** Records every frame written (copied: a frame may be a view of WASM memory); bufferedAmount is set by the test. */
class RecordingTransport implements Transport {
  bufferedAmount = 0;
  readonly written: Uint8Array[] = [];
  write(data: Uint8Array): boolean {
    this.written.push(data.slice());
    return true;
  }
  end(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
}

/** The payloads of the pongs written, in order (server frames: unmasked, payloads under 126 bytes). */
function pongPayloads(written: Uint8Array[]): string[] {
  const out: string[] = [];
  for (const chunk of written)
    for (let at = 0; at < chunk.length; ) {
      const opcode = chunk[at] & 0x0f;
      const length = chunk[at + 1] & 0x7f;
      if (opcode === 0xa) out.push(new TextDecoder().decode(chunk.subarray(at + 2, at + 2 + length)));
      at += 2 + length;
    }
  return out;
}

function sender(): { sender: Sender; transport: RecordingTransport } {
  const s = new Sender(new Codec({ role: Role.Server }), 64 * 1024 * 1024, 1024 * 1024, { overflowed() {} });
  const transport = new RecordingTransport();
  s.transport = transport;
  return { sender: s, transport };
}

const ping = (text: string) => new TextEncoder().encode(text);

test('a ping answered past the backlog waits, and a newer ping answered later supersedes it', () => {
  const { sender: s, transport } = sender();
  transport.bufferedAmount = 100 * 1024; // past the 64 KiB pong backlog
  s.beginRead();
  s.answerPing(ping('old'));
  s.endRead();
  assert.deepEqual(pongPayloads(transport.written), [], 'the old ping waits');
  transport.bufferedAmount = 0;
  s.beginRead();
  s.answerPing(ping('new'));
  s.endRead();
  s.onDrain();
  // RFC 6455 §5.5.3: answering the newest answers those before it; the old pong after the new one would
  // be out of order.
  assert.deepEqual(pongPayloads(transport.written), ['new']);
});

test('outside a read too, a newer ping answered at once supersedes a waiting one', () => {
  const { sender: s, transport } = sender();
  transport.bufferedAmount = 100 * 1024;
  s.answerPing(ping('old'));
  transport.bufferedAmount = 0;
  s.answerPing(ping('new'));
  s.onDrain();
  assert.deepEqual(pongPayloads(transport.written), ['new']);
});

test('with room, every ping of a read is answered, in order; a waiting one goes at the drain', () => {
  const { sender: s, transport } = sender();
  s.beginRead();
  for (const p of ['a', 'b', 'c']) s.answerPing(ping(p));
  s.endRead();
  assert.deepEqual(pongPayloads(transport.written), ['a', 'b', 'c']);
  transport.bufferedAmount = 100 * 1024;
  s.beginRead();
  s.answerPing(ping('d'));
  s.answerPing(ping('e'));
  s.endRead();
  assert.deepEqual(pongPayloads(transport.written), ['a', 'b', 'c'], 'past the backlog: none yet');
  transport.bufferedAmount = 0;
  s.onDrain();
  assert.deepEqual(pongPayloads(transport.written), ['a', 'b', 'c', 'e'], 'the newest, at the drain');
});
