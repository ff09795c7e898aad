// What a runtime brings to the engine (runtimes/*.ts): its sockets, and its compressor for
// permessage-deflate (the fastest there that keeps context between messages), and its environment.
import type { CompressorFactory } from './deflate/compressor.ts';
import type { EnvReader } from './proxy/proxy.ts';
import type { TransportFactory } from './transport.ts';

export interface Platform {
  transport: TransportFactory;
  compressor: CompressorFactory;
  /** Environment variables, for `proxy: 'env'`. */
  env: EnvReader;
}
