// Ours: wasm-ws's server API, on whichever runtime runs this file (Node 20, Node 24, Bun, Deno), each
// loading only its own shim, echoing every message as it came; no permessage-deflate.
import type { Serve } from '../../src/api.ts';
import { announce, controlled, serverArgs } from './common.ts';

const runtime = 'Bun' in globalThis ? 'bun' : 'Deno' in globalThis ? 'deno' : 'node';
const shim = `runtimes/${runtime}.ts`;
const args = await serverArgs();
// A computed specifier: each runtime loads only its own shim.
const { serve } = (await import(`../../${shim}`)) as { serve: Serve };

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
