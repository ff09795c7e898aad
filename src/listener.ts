// What a server needs from a runtime: a listening socket whose accepted connections become Transports.
// runtimes/*.ts implement it.
import type { Transport, TransportSink } from './transport.ts';

/** A server's certificate chain and key (PEM), and optionally CAs for the chain. */
export interface ServerTlsOptions {
  cert: string;
  key: string;
  /** The passphrase of an encrypted `key` (Node, Bun). */
  passphrase?: string;
}

export interface ListenOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  tls?: ServerTlsOptions;
  /**
   * Ms a TLS handshake may take before its socket is dropped, where the runtime accepts a connection
   * only once its handshake is done (node:tls): elsewhere the server's own handshake timer covers it.
   */
  handshakeTimeout: number;
}

/** Who connected. */
export interface PeerAddress {
  remoteAddress: string;
  remotePort: number;
}

/** The socket listening. */
export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Stops accepting; connections already accepted go on. */
  close(): void;
}

/**
 * A connection was accepted (its TLS handshake done, for TLS): `open` wraps its socket in a Transport
 * whose events go to `sink`; called at once, before anything is read.
 */
export type Accept = (open: (sink: TransportSink) => Transport, peer: PeerAddress) => void;

/** Listens; rejects with an Error that says why (address in use, bad certificate). */
export type ListenFactory = (options: ListenOptions, accept: Accept) => Promise<Listener>;
