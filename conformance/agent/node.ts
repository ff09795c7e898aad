// The echo agent on Node: `node --import tsx conformance/agent/node.ts --server URL --agent NAME --client ours|native|ws`.
// ours: wasm-ws (runtimes/node.ts); native: Node's global WebSocket (Node 20: run node with
// --experimental-websocket); ws: the `ws` package.
import { agentMain, parseArgs, USAGE, type WebSocketClass } from './agent.ts';

const args = parseArgs(process.argv.slice(2));
if (!args.server || !args.agent) {
  console.error(USAGE);
  process.exit(2);
}
let WS: WebSocketClass;
switch (args.client ?? 'ours') {
  case 'ours':
    WS = (await import('../../runtimes/node.ts')).WebSocket as unknown as WebSocketClass;
    break;
  case 'native':
    if (typeof globalThis.WebSocket !== 'function') {
      console.error('Node has no global WebSocket here: on Node 20 run it with --experimental-websocket');
      process.exit(2);
    }
    WS = globalThis.WebSocket as unknown as WebSocketClass;
    break;
  case 'ws':
    WS = (await import('ws')).WebSocket as unknown as WebSocketClass;
    break;
  default:
    console.error(USAGE);
    process.exit(2);
}
await agentMain(WS, args, (code) => process.exit(code));
