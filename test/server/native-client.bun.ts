// Bun's own WebSocket client against our server: `bun test/server/native-client.bun.ts URL…`, trusting
// the CA in WSTEST_CA.
import { checkAll } from './native-check.ts';

const ca = Bun.env.WSTEST_CA;
await checkAll((url) => new WebSocket(url, { tls: { ca } } as unknown as string[]), Bun.argv.slice(2));
