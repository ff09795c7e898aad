// Ours: wasm-ws's server API, on whichever runtime runs this file (Node 20, Node 24, Bun, Deno), each
// loading only its own entry point of the built package (bench/package.ts), echoing every message as it
// came; no permessage-deflate.
import { announce, controlled, serverArgs } from './common.ts';
import { loadPackage } from '../package.ts';

const args = await serverArgs();
const { serve } = await loadPackage();

const server = await serve(
  { host: args.host, port: 0, tls: args.tls ?? undefined, perMessageDeflate: false },
  {
    onMessage(conn, data, isText) {
      conn.send(data, isText);
    },
  },
);
announce(args, server.port);
controlled(args, () => server.close());
