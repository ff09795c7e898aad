// A runtime's own WebSocket client against our server, runtime-neutral: for each URL, a text, a binary
// and a 100 KB message, their echoes checked byte for byte, and a clean close. One JSON line per URL.
type Make = (url: string) => WebSocket;

function pattern(n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function check(make: Make, url: string): Promise<void> {
  const ws = make(url);
  ws.binaryType = 'arraybuffer';
  const sent: (string | Uint8Array<ArrayBuffer>)[] = ['héllo wörld ✓', pattern(3), pattern(100_000)];
  const received: (string | Uint8Array)[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${received.length} echoes`)), 10_000);
    ws.onopen = () => {
      for (const m of sent) ws.send(m);
    };
    ws.onmessage = (e) => {
      received.push(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
      if (received.length === sent.length) ws.close(1000, 'done');
    };
    ws.onerror = (e) => reject(new Error(`error event: ${(e as ErrorEvent).message ?? 'no message'}`));
    ws.onclose = (e) => {
      clearTimeout(timer);
      if (e.code !== 1000) reject(new Error(`closed with ${e.code} ${e.reason}`));
      else resolve();
    };
  });
  sent.forEach((m, i) => {
    const r = received[i];
    const ok = typeof m === 'string' ? r === m : r instanceof Uint8Array && same(r, m);
    if (!ok) throw new Error(`echo ${i} differs`);
  });
}

export async function checkAll(make: Make, urls: string[]): Promise<void> {
  for (const url of urls) {
    try {
      await check(make, url);
      console.log(JSON.stringify({ url, ok: true }));
    } catch (error) {
      console.log(JSON.stringify({ url, ok: false, error: String((error as Error)?.message ?? error) }));
    }
  }
}
