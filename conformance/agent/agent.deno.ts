// The echo agent on Deno: `deno run -A conformance/agent/agent.deno.ts --server URL --agent NAME --client ours|native`.
import { WebSocket as Ours } from '../../runtimes/deno.ts';
import { agentMain, parseArgs, USAGE, type WebSocketClass } from './agent.ts';

const args = parseArgs(Deno.args);
const client = args.client ?? 'ours';
if (!args.server || !args.agent || (client !== 'ours' && client !== 'native')) {
  console.error(USAGE);
  Deno.exit(2);
}
const WS = (client === 'ours' ? Ours : globalThis.WebSocket) as unknown as WebSocketClass;
await agentMain(WS, args, (code) => Deno.exit(code));
