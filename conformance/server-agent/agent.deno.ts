// The echo server agent on Deno: `deno run -A conformance/server-agent/agent.deno.ts [--port 0] [--deflate on|off]`.
// Prints its port; stops on SIGTERM or when stdin closes.
import { serve } from '../../runtimes/deno.ts';
import { parseArgs, serverAgentMain } from './agent.ts';

const encoder = new TextEncoder();
await serverAgentMain(serve, parseArgs(Deno.args), {
  print: (line) => void Deno.stdout.writeSync(encoder.encode(`${line}\n`)),
  onStop(stop) {
    Deno.addSignalListener('SIGTERM', stop);
    void (async () => {
      try {
        for await (const _ of Deno.stdin.readable) {
          // read to the end: the parent closing stdin is the signal
        }
      } catch {
        // stdin unreadable: treat as closed
      }
      stop();
    })();
  },
  exit: (code) => Deno.exit(code),
});
