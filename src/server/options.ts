// The server's options and their validation: a bad option is a TypeError or RangeError naming it,
// thrown before anything listens.
import type { ServerDeflateOptions } from '../deflate/server-negotiation.ts';
import type { ServerTlsOptions } from '../listener.ts';
import {
  type ConnectionOptions,
  MAX_BYTES,
  checkNumber,
  checkType,
  validateConnectionOptions,
} from '../protocol/options.ts';
import type { UpgradeRequest } from './upgrade-request.ts';

export interface ServerOptions extends ConnectionOptions {
  /** The address to listen on (default '0.0.0.0'; '::' for every IPv6 and IPv4 address where the runtime allows). */
  host?: string;
  /** The port (default 0: any free one; the server's `port` says which). */
  port?: number;
  /** wss: the certificate chain and key, PEM. */
  tls?: ServerTlsOptions;
  /** Milliseconds for a client to send its whole request (default 10000); then 408 and the socket closed. */
  handshakeTimeout?: number;
  /** permessage-deflate (RFC 7692): off by default (as ws's server); true or an object accepts a client's offer. */
  perMessageDeflate?: boolean | ServerDeflateOptions;
  /**
   * Picks the subprotocol from those the client offered (in its order); return one of them, or
   * nothing for none. Default: the first offered. Throwing refuses the request with 500.
   */
  handleProtocols?(offered: string[], request: UpgradeRequest): string | null | undefined | false;
  /** Accepts a request by its Origin header (undefined when none was sent): false answers 403. Default: any. */
  verifyOrigin?(origin: string | undefined, request: UpgradeRequest): boolean;
  /** Most connections at once (open or opening); more are answered with 503. Default: no limit. */
  maxConnections?: number;
}

export const serverDefaults = {
  host: '0.0.0.0',
  handshakeTimeout: 10_000,
  closeTimeout: 5_000,
} as const;

/** Throws a TypeError or RangeError naming the first option that is not valid. */
export function validateServerOptions(options: ServerOptions): void {
  validateConnectionOptions(options);
  checkType('host', options.host, 'string');
  checkNumber('port', options.port, 0, 65535);
  checkNumber('maxConnections', options.maxConnections, 0, MAX_BYTES);
  checkType('handleProtocols', options.handleProtocols, 'function');
  checkType('verifyOrigin', options.verifyOrigin, 'function');
  const { tls, perMessageDeflate } = options;
  if (tls !== undefined) {
    if (tls === null || typeof tls !== 'object') throw new TypeError('The tls option must be { cert, key }');
    if (typeof tls.cert !== 'string' || typeof tls.key !== 'string') {
      throw new TypeError('The tls option needs cert and key, PEM strings');
    }
    checkType('tls.passphrase', tls.passphrase, 'string');
  }
  if (perMessageDeflate !== undefined && typeof perMessageDeflate !== 'boolean') {
    if (perMessageDeflate === null || typeof perMessageDeflate !== 'object') {
      throw new TypeError('The perMessageDeflate option must be a boolean or an object');
    }
    const d = perMessageDeflate;
    for (const name of ['serverMaxWindowBits', 'clientMaxWindowBits'] as const) {
      const bits = d[name];
      if (bits !== undefined && (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 8 || bits > 15)) {
        throw new RangeError(`perMessageDeflate.${name} must be an integer from 8 to 15, got ${String(bits)}`);
      }
    }
    for (const name of ['serverNoContextTakeover', 'clientNoContextTakeover'] as const) {
      checkType(`perMessageDeflate.${name}`, d[name], 'boolean');
    }
    checkNumber('perMessageDeflate.threshold', d.threshold, 0, MAX_BYTES);
  }
}
