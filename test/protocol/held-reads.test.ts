// Frames held after the 101 (delivered by a timer, once connect() has settled) and reads into WASM memory
// (Node's `onread`, over TCP and TLS): a runtime asks for the next read's buffer as soon as a read has been
// handled and writes there whenever the bytes come. The held frames' timer handles frames outside any
// read, and the context is then parked when another connection uses the codec, which may trade or free
// its block: a buffer given in that block before the timer ran would take the next read into memory
// another connection now holds. Found by the client fuzzer, as corrupted echoes on other connections,
// once Node's TLS sockets read with `onread` (16 KiB records, several reads while frames are held).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Receiver, type ReceiverOwner } from '../../src/protocol/receiver.ts';
import { Codec, frame, pattern, variants } from '../codec/helpers.ts';

/** A client connection's side of the receiver: open, collecting messages. */
function owner(messages: Uint8Array[]): ReceiverOwner {
  const fail = (what: string) => () => assert.fail(what);
  return {
    connecting: false,
    receiving: true,
    handshake: { space: fail('space'), commit: fail('commit'), push: fail('push') },
    onHead: fail('onHead'),
    onMessage: (data) => messages.push(data.slice()),
    onPing() {},
    onPong() {},
    onCloseFrame: fail('a close frame'),
    onProtocolError: fail('a protocol error'),
    onBadMessage: fail('a bad message'),
    failInternal: (error) => assert.fail(error as Error),
    growAtSafePoint() {},
  };
}

/** As Node's onread: a read lands in the buffer given last, then the receiver is told and the next buffer asked for. */
class Reader {
  private at = 0;
  private length = 0;
  constructor(
    private readonly receiver: Receiver,
    private readonly codec: Codec,
  ) {
    this.give();
  }
  private give(): void {
    const buffer = this.receiver.readBuffer();
    this.at = buffer.byteOffset;
    this.length = buffer.length;
  }
  read(bytes: Uint8Array): void {
    assert.ok(bytes.length <= this.length, 'a read fits its buffer');
    // Where the buffer was when it was given: memory growth detaches the view, not the memory.
    this.codec.bytes.set(bytes, this.at);
    this.receiver.onRead(bytes.length);
    this.give();
  }
}

for (const v of variants) {
  describe(`held frames and reads into the codec [${v.name}]`, () => {
    test('a read given a buffer while frames were held lands where nothing else lives', async () => {
      const codec = () => new Codec({ backend: v.backend, simd: v.simd });
      // A: frames came with the 101: three complete messages, then the start of a large one.
      const small = [pattern(50_000, 1), pattern(50_000, 2), pattern(50_000, 3)];
      const large = pattern(200_000, 4);
      const largeFrame = frame({ opcode: 2, payload: large });
      const withResponse = Uint8Array.from([
        ...small.flatMap((m) => [...frame({ opcode: 2, payload: m })]),
        ...largeFrame.subarray(0, 10_000),
      ]);
      const aMessages: Uint8Array[] = [];
      const aCodec = codec();
      const a = new Receiver(aCodec, owner(aMessages));
      a.hold(withResponse);
      const aReader = new Reader(a, aCodec);
      // B: another connection, whose large messages take blocks of their own as A's block is traded.
      const bMessages: Uint8Array[] = [];
      const bCodec = codec();
      const b = new Receiver(bCodec, owner(bMessages));
      const bReader = new Reader(b, bCodec);
      await sleep(5); // A's held frames are delivered by their timer
      assert.equal(aMessages.length, 3);
      // B's large messages and A's rest, 16 KiB reads each (TLS records), in turn: A's first read lands in
      // the buffer it was given before its timer ran.
      const bPayloads = [pattern(220_000, 5), pattern(220_000, 6)];
      const bBytes = Uint8Array.from(bPayloads.flatMap((payload) => [...frame({ opcode: 2, payload })]));
      const aBytes = largeFrame.subarray(10_000);
      let aAt = 0;
      let bAt = 0;
      while (aAt < aBytes.length || bAt < bBytes.length) {
        for (let i = 0; i < 4 && bAt < bBytes.length; i++, bAt += 16_384)
          bReader.read(bBytes.subarray(bAt, bAt + 16_384));
        if (bAt > 180_000 && aAt < aBytes.length) {
          aReader.read(aBytes.subarray(aAt, aAt + 16_384));
          aAt += 16_384;
        }
      }
      assert.equal(bMessages.length, 2);
      for (const [i, payload] of bPayloads.entries())
        assert.ok(
          bMessages[i].every((x, j) => x === payload[j]),
          `B's message ${i} intact`,
        );
      assert.equal(aMessages.length, 4);
      assert.ok(
        aMessages[3].every((x, j) => x === large[j]),
        "A's large message intact",
      );
      a.free();
      b.free();
    });
  });
}
