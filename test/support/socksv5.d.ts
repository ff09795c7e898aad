// The part of socksv5 (untyped) the proxy test servers use.
declare module 'socksv5' {
  import type { EventEmitter } from 'node:events';
  import type net from 'node:net';

  export interface ConnectionInfo {
    cmd: string;
    srcAddr: string;
    srcPort: number;
    dstAddr: string;
    dstPort: number;
  }
  export interface Auth {
    METHOD: number;
  }
  export interface Server extends EventEmitter {
    /** The underlying TCP server (private in socksv5, used to drop every socket on stop). */
    _srv: net.Server;
    useAuth(auth: Auth): this;
    listen(port: number, host: string, callback: () => void): this;
    address(): net.AddressInfo;
    close(callback?: () => void): this;
  }
  export function createServer(listener: (info: ConnectionInfo, accept: () => void, deny: () => void) => void): Server;
  export const auth: {
    None(): Auth;
    UserPassword(check: (user: string, password: string, callback: (ok: boolean) => void) => void): Auth;
  };
  const socks: { createServer: typeof createServer; auth: typeof auth };
  export default socks;
}
