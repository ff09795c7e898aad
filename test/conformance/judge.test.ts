// The conformance judge is independent of the project and effective. Independent: nothing the fuzzing
// server (conformance/server/), the fuzzing client (conformance/client/, the cases with the roles
// swapped) or the client tests' scripted server imports, however indirectly, comes from the project's
// codec, client or server (src/, runtimes/, assembly/, dist/ or the package itself): by name it takes
// only node: built-ins and ws. (The fuzzing client's effectiveness: fuzzing-client.test.ts.)
// Effective: a raw-socket client that answers a close with crafted bytes that break RFC 6455 (unmasked,
// invalid UTF-8, an RSV bit, an invalid close code, an oversized control frame) gets FAILED from the
// fuzzing server, and one that answers correctly gets OK.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { closePayload, frame, OPCODE, type CaseResult } from '../../conformance/server/case.ts';
import { selectCases } from '../../conformance/server/cases/index.ts';
import { startFuzzingServer, type FuzzingServer } from '../../conformance/server/server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT = ['src/', 'runtimes/', 'assembly/', 'dist/'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Static imports and re-exports, side-effect imports, dynamic import() and require(). */
const IMPORT =
  /^\s*(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\b(?:import|require|require\.resolve)\(\s*['"]([^'"]+)['"]/gm;

function specifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
}

test('the judge imports nothing of the project: conformance/server/**, conformance/client/** and test/client/scripted-server.ts, transitively', () => {
  const seen = new Set<string>();
  const problems: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of specifiers(file)) {
      const where = `${relative(ROOT, file)} imports '${spec}'`;
      if (!spec.startsWith('.')) {
        if (!spec.startsWith('node:') && spec !== 'ws')
          problems.push(`${where}: only node: built-ins and ws may be imported by name`);
        continue;
      }
      const target = resolve(dirname(file), spec);
      if (PROJECT.some((p) => relative(ROOT, target).startsWith(p))) problems.push(`${where}: part of the project`);
      else visit(target);
    }
  };
  for (const root of [
    ...tsFiles(join(ROOT, 'conformance/server')),
    ...tsFiles(join(ROOT, 'conformance/client')),
    join(ROOT, 'test/client/scripted-server.ts'),
  ])
    visit(root);
  assert.ok(seen.has(join(ROOT, 'conformance/server/frame-reader.ts')), 'the frame reader is among the files checked');
  assert.ok(seen.has(join(ROOT, 'conformance/client/handshake.ts')), 'the fuzzing client is among the files checked');
  assert.deepEqual(problems, []);
});

/** Connects to `/runCase`, writes `answer` once the 101 is in, and returns when the server closed TCP. */
function rawClient(port: number, agent: string, answer: Buffer): Promise<void> {
  return new Promise<void>((done, fail) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('the fuzzing server did not close the connection')));
    socket.on('error', fail);
    socket.on('close', () => done());
    socket.write(
      `GET /runCase?case=1&agent=${agent} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (!head.includes('\r\n\r\n')) return;
      assert.match(head.toString('latin1'), /^HTTP\/1\.1 101 /);
      socket.off('data', onData);
      socket.resume();
      socket.write(answer);
    };
    socket.on('data', onData);
  });
}

describe('the fuzzing server judges crafted client bytes (case 7.2.3: the client must answer a close 1000)', () => {
  let server: FuzzingServer | undefined;
  const results = new Map<string, (r: CaseResult) => void>();

  before(async () => {
    server = await startFuzzingServer({
      cases: selectCases('full', ['7.2.3']),
      onCase: (agent, r) => results.get(agent)?.(r),
    });
  });
  after(async () => {
    await server?.stop();
  });

  async function judge(agent: string, answer: Buffer): Promise<CaseResult> {
    const result = new Promise<CaseResult>((resolve) => results.set(agent, resolve));
    await rawClient(server!.port, agent, answer);
    return result;
  }

  const masked = (opcode: number, payload: Uint8Array | string, rsv = 0) => frame(opcode, payload, { mask: true, rsv });
  const close1000 = masked(OPCODE.close, closePayload(1000));

  test('a masked close 1000: OK', async () => {
    const r = await judge('correct', close1000);
    assert.equal(r.verdict, 'OK', r.reason);
    assert.equal(r.clientCloseCode, 1000);
  });

  const broken: [string, Buffer, string][] = [
    ['an unmasked close 1000', frame(OPCODE.close, closePayload(1000)), 'WS_ERR_EXPECTED_MASK'],
    ['a close with RSV1 set', masked(OPCODE.close, closePayload(1000), 0x40), 'WS_ERR_UNEXPECTED_RSV_1'],
    ['a close with code 1005 on the wire', masked(OPCODE.close, closePayload(1005)), 'WS_ERR_INVALID_CLOSE_CODE'],
    ['a close with code 999', masked(OPCODE.close, closePayload(999)), 'WS_ERR_INVALID_CLOSE_CODE'],
    [
      'a close whose reason is invalid UTF-8',
      masked(OPCODE.close, closePayload(1000, Buffer.from([0xc0, 0xaf]))),
      'WS_ERR_INVALID_UTF8',
    ],
    [
      'a text message with invalid UTF-8, then a close',
      Buffer.concat([masked(OPCODE.text, Buffer.from([0xed, 0xa0, 0x80])), close1000]),
      'WS_ERR_INVALID_UTF8',
    ],
    [
      'a ping of 126 bytes, then a close',
      Buffer.concat([masked(OPCODE.ping, Buffer.alloc(126)), close1000]),
      'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    ],
  ];
  for (const [i, [name, answer, kind]] of broken.entries()) {
    test(`${name}: FAILED (${kind})`, async () => {
      const r = await judge(`broken-${i}`, answer);
      assert.equal(r.verdict, 'FAILED', r.reason);
      assert.match(r.reason, new RegExp(`malformed frame \\(${kind}`));
      assert.ok(r.ms < 1000, `judged at once, not after a timeout (${r.ms} ms)`);
    });
  }
});
