// Deno's own WebSocket client against our server: `deno run -A --cert CA test/server/native-client.deno.ts URL…`.
import { checkAll } from './native-check.ts';

await checkAll((url) => new WebSocket(url), Deno.args);
