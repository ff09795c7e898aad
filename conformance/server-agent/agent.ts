// The echo server agent, runtime-neutral (no node:*, Bun.*, Deno.*): our server (`serve`, the
// low-latency API) echoing every message as it came (text as text, binary as binary), with
// permessage-deflate accepted as the server's defaults do, for the fuzzing client
// (conformance/client/) to drive. It prints its port on stdout, one line, once listening; it stops (a
// graceful close, then exit 0) when stdin closes or on SIGTERM. The entry files (node.ts,
// agent.bun.ts, agent.deno.ts) pick the runtime's `serve` and wire those signals.
//   --host 127.0.0.1   --port 0 (any free port)   --deflate on|off (default on)
import type { Serve, Server } from '../../src/api.ts';

export { parseArgs } from '../agent/agent.ts';

export const USAGE = 'usage: <server agent> [--host 127.0.0.1] [--port 0] [--deflate on|off]';

/** The largest message the echo server takes (the group-9 cases send 16 MiB). */
const MAX_MESSAGE = 64 * 1024 * 1024;

/** Starts the echo server. */
export function startEchoServer(serve: Serve, args: Record<string, string>): Promise<Server> {
  return serve(
    {
      host: args.host ?? '127.0.0.1',
      port: Number(args.port ?? 0),
      perMessageDeflate: (args.deflate ?? 'on') !== 'off',
      maxMessage: MAX_MESSAGE,
    },
    {
      onMessage(conn, data, isText) {
        // `data` is valid only during this call: send() frames it at once.
        conn.send(data, isText);
      },
    },
  );
}

export interface AgentHooks {
  /** Writes a line to stdout. */
  print(line: string): void;
  /** Calls `stop` once, on the first of stdin closing or SIGTERM. */
  onStop(stop: () => void): void;
  exit(code: number): never;
}

/** An agent's entry: listens, prints the port, echoes until told to stop, closes, exits 0 (1 on failure). */
export async function serverAgentMain(serve: Serve, args: Record<string, string>, hooks: AgentHooks): Promise<void> {
  let server: Server;
  try {
    server = await startEchoServer(serve, args);
  } catch (error) {
    console.error(error);
    hooks.exit(1);
  }
  let stopping = false;
  hooks.onStop(() => {
    if (stopping) return;
    stopping = true;
    // A connection that does not finish its close handshake must not keep the agent alive.
    const timer = setTimeout(() => hooks.exit(0), 3000);
    server.close().then(
      () => {
        clearTimeout(timer);
        hooks.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        hooks.exit(1);
      },
    );
  });
  hooks.print(String(server.port));
}
