// The C++ Boost.Beast reference: its client measures, its server echoes, and neither a broken
// nor a stalled connection takes the server down or holds up other clients.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { beastBinaries, runBeastClient, startBeastServer, type BeastServer } from '../../server/beast.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_BINARY = 0x2;
const TIMEOUT = { timeout: 15_000 };

function requireBuilt(): NonNullable<ReturnType<typeof beastBinaries>> {
  const bins = beastBinaries();
  if (!bins) assert.fail('Beast binaries are not built: run `npm run build:native` first');
  return bins;
}

/** One message through the server with the `ws` package; resolves with what came back. */
async function wsEcho(url: string, data: string | Buffer, ca?: Buffer): Promise<{ data: Buffer; isBinary: boolean }> {
  const socket = new WebSocket(url, ca ? { ca } : {});
  try {
    await once(socket, 'open');
    socket.send(data, { binary: typeof data !== 'string' });
    const [reply, isBinary] = (await once(socket, 'message')) as [Buffer, boolean];
    return { data: reply, isBinary };
  } finally {
    socket.close();
  }
}

async function assertEchoes(server: BeastServer): Promise<void> {
  const payload = randomBytes(1000);
  const reply = await wsEcho(server.url, payload);
  assert.equal(reply.isBinary, true);
  assert.deepEqual(reply.data, payload);
}

/** A client frame, masked with a fresh random key as RFC 6455 §5.3 requires. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 0x10000) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, headerLength);
  const body = headerLength + 4;
  for (let i = 0; i < length; i++) frame[body + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** Opens a raw TCP connection and completes the opening handshake by hand; the socket is left paused. */
async function rawHandshake(server: BeastServer): Promise<net.Socket> {
  const socket = net.connect(server.plainPort, server.host);
  await once(socket, 'connect');
  socket.setNoDelay(true);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${server.host}:${server.plainPort}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await new Promise<string>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(received.subarray(0, end).toString('latin1'));
    };
    const onClose = (): void => reject(new Error('server closed during the handshake'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  assert.match(head, /^HTTP\/1\.1 101 /);
  const accept = createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
  assert.match(head, new RegExp(`^sec-websocket-accept: ${accept.replace(/[+/]/g, '\\$&')}$`, 'im'));
  return socket;
}

/** Resolves when the peer has closed the socket; fails if it takes too long. */
async function closedByPeer(socket: net.Socket, ms = 3000): Promise<void> {
  socket.resume();
  socket.on('error', () => {}); // a reset (unread garbage left behind) is a close too
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const timeout = sleep(ms).then(() => {
    throw new Error(`server did not close the connection within ${ms} ms`);
  });
  try {
    await Promise.race([closed, timeout]);
  } finally {
    socket.destroy();
  }
}

describe('Beast reference echo server and client', () => {
  let server: BeastServer;

  before(async () => {
    requireBuilt();
    server = await startBeastServer();
  });

  after(async () => {
    await server?.stop();
  });

  const runs = [
    { async: false, secure: false, size: 256 },
    { async: true, secure: false, size: 100_000 },
    { async: true, secure: true, size: 256 },
    { async: false, secure: true, size: 100_000 },
  ];
  for (const run of runs) {
    const name = `${run.async ? 'async' : 'sync'} client over ${run.secure ? 'TLS' : 'plain'} at ${run.size} B`;
    test(`${name} reports a positive rps`, TIMEOUT, async () => {
      const { rps } = await runBeastClient({
        ...run,
        host: server.host,
        port: run.secure ? server.tlsPort : server.plainPort,
        seconds: 1,
      });
      assert.ok(rps > 0, `rps was ${rps}`);
    });
  }

  test('client fails with a message when nothing listens', TIMEOUT, async () => {
    const closed = net.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as net.AddressInfo;
    closed.close();
    await once(closed, 'close');
    await assert.rejects(
      runBeastClient({ async: true, secure: false, host: '127.0.0.1', port, size: 16, seconds: 0.1 }),
      /connect: Connection refused/,
    );
  });

  test('echoes text as text and binary as binary, plain and TLS (ws package)', TIMEOUT, async () => {
    const ca = readFileSync(requireBuilt().cert);
    for (const [url, cert] of [
      [server.url, undefined],
      [server.tlsUrl, ca],
    ] as const) {
      const text = await wsEcho(url, 'héllo wörld', cert);
      assert.equal(text.isBinary, false);
      assert.equal(text.data.toString('utf8'), 'héllo wörld');
      const payload = randomBytes(70_000);
      const binary = await wsEcho(url, payload, cert);
      assert.equal(binary.isBinary, true);
      assert.deepEqual(binary.data, payload);
    }
  });

  test('garbage instead of a handshake ends only that connection', TIMEOUT, async () => {
    const plain = net.connect(server.plainPort, server.host);
    await once(plain, 'connect');
    plain.write('HELLO there\r\n\r\n');
    plain.write(randomBytes(512));
    await closedByPeer(plain);

    const tls = net.connect(server.tlsPort, server.host);
    await once(tls, 'connect');
    tls.write(randomBytes(512)); // not a TLS ClientHello
    await closedByPeer(tls);

    await assertEchoes(server);
    const ca = readFileSync(requireBuilt().cert);
    const reply = await wsEcho(server.tlsUrl, 'still here', ca);
    assert.equal(reply.data.toString(), 'still here');
  });

  test('a client that vanishes mid-frame ends only that connection', TIMEOUT, async () => {
    for (const vanish of ['destroy', 'resetAndDestroy'] as const) {
      const socket = await rawHandshake(server);
      const frame = clientFrame(OP_BINARY, randomBytes(1000));
      socket.write(frame.subarray(0, 20)); // header, mask and a few payload bytes
      await sleep(50);
      socket[vanish]();
      await sleep(50); // let the server see the connection go before the next client arrives
      await assertEchoes(server);
    }
  });

  test('a stalled client does not block another client', TIMEOUT, async () => {
    const size = 32 * 1024 * 1024; // far more than loopback socket buffers hold
    const stalled = await rawHandshake(server);
    try {
      // It sends a large message but never reads: the server's echo write cannot complete.
      await new Promise<void>((resolve, reject) =>
        stalled.write(clientFrame(OP_BINARY, Buffer.alloc(size, 7)), (err) => (err ? reject(err) : resolve())),
      );
      await sleep(200);
      assert.ok(stalled.bytesRead < size, 'the stalled client should not have received the whole echo');

      await assertEchoes(server);
      const { rps } = await runBeastClient({
        async: true,
        secure: false,
        host: server.host,
        port: server.plainPort,
        size: 256,
        seconds: 0.3,
      });
      assert.ok(rps > 0, `rps was ${rps}`);
    } finally {
      stalled.destroy();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`exits with code 0 on ${signal}, with a connection open`, TIMEOUT, async () => {
      const own = await startBeastServer();
      const open = new WebSocket(own.url);
      open.on('error', () => {}); // the server going away is the point
      try {
        await once(open, 'open');
        process.kill(own.pid, signal);
        assert.deepEqual(await own.exited, { code: 0, signal: null });
      } finally {
        open.terminate();
        await own.stop();
      }
    });
  }
});
