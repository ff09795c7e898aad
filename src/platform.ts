// What a runtime brings to the engine (runtimes/*.ts): its sockets (connecting and listening), and its compressor for
// permessage-deflate (the fastest there that keeps context between messages), and its environment.
import type { CompressorFactory } from './deflate/compressor.ts';
import type { Sha1Base64 } from './protocol/handshake.ts';
import type { ListenFactory } from './listener.ts';
import type { EnvReader } from './proxy/proxy.ts';
import type { TransportFactory } from './transport.ts';
import type { ServerConnection } from './server/server-connection.ts';
import type { ServerCore } from './server/server-core.ts';

/** Hands a request read by the runtime's HTTP server (its upgrade event's arguments) to a server. */
export type UpgradeAdapter = (server: ServerCore, request: unknown, socket: unknown, head: unknown) => ServerConnection;

export interface Platform {
  transport: TransportFactory;
  /** Listening sockets, for the server. */
  listen: ListenFactory;
  /** Where the runtime's HTTP server has an upgrade event (Node): handleUpgrade. */
  upgrade?: UpgradeAdapter;
  compressor: CompressorFactory;
  /** base64(SHA-1(text)), synchronously: the handshake's Sec-WebSocket-Accept. */
  sha1Base64: Sha1Base64;
  /** Environment variables, for `proxy: 'env'`. */
  env: EnvReader;
}
