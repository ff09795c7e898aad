// The echo agent on Bun: `bun conformance/agent/agent.bun.ts --server URL --agent NAME --client ours|native`.
import { WebSocket as Ours } from '../../runtimes/bun.ts';
import { agentMain, parseArgs, USAGE, type WebSocketClass } from './agent.ts';

const args = parseArgs(Bun.argv.slice(2));
const client = args.client ?? 'ours';
if (!args.server || !args.agent || (client !== 'ours' && client !== 'native')) {
  console.error(USAGE);
  process.exit(2);
}
const WS = (client === 'ours' ? Ours : globalThis.WebSocket) as unknown as WebSocketClass;
await agentMain(WS, args, (code) => process.exit(code));
