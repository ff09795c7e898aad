// The echo server agent on Node: `node --import tsx conformance/server-agent/node.ts [--port 0] [--deflate on|off]`.
// Prints its port; stops on SIGTERM or when stdin closes.
import { serve } from '../../runtimes/node.ts';
import { parseArgs, serverAgentMain } from './agent.ts';

await serverAgentMain(serve, parseArgs(process.argv.slice(2)), {
  print: (line) => process.stdout.write(`${line}\n`),
  onStop(stop) {
    process.once('SIGTERM', stop);
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  },
  exit: (code) => process.exit(code),
});
