// The echo server agent on Bun: `bun conformance/server-agent/agent.bun.ts [--port 0] [--deflate on|off]`.
// Prints its port; stops on SIGTERM or when stdin closes.
import { serve } from '../../runtimes/bun.ts';
import { parseArgs, serverAgentMain } from './agent.ts';

await serverAgentMain(serve, parseArgs(Bun.argv.slice(2)), {
  print: (line) => process.stdout.write(`${line}\n`),
  onStop(stop) {
    process.once('SIGTERM', stop);
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  },
  exit: (code) => process.exit(code),
});
