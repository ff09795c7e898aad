// Bun: Bun.connect (plain and TLS). Bun hands over its own buffers: each chunk is copied once into WASM memory.
import { BaseWebSocket, bindConnect, type ClientOptions, type Connect } from '../src/api.ts';
import { WebSocketError } from '../src/protocol/errors.ts';
import type { Platform } from '../src/platform.ts';
import { zlibCompressor } from './zlib-compressor.ts';
import type { ConnectOptions, Transport, TransportFactory, TransportSink } from '../src/transport.ts';

type BunSocket = Bun.Socket<undefined>;

class BunTransport implements Transport {
  // What the kernel did not take yet, copied: Bun's write() does not buffer.
  private readonly queue: Uint8Array[] = [];
  private queued = 0;

  constructor(
    private readonly socket: BunSocket,
    private readonly sink: TransportSink,
  ) {}

  write(data: Uint8Array): boolean {
    if (this.queued === 0) {
      const written = this.socket.write(data);
      if (written >= data.length) return true;
      data = data.subarray(Math.max(written, 0));
    }
    this.queue.push(data.slice());
    this.queued += data.length;
    return true;
  }

  /** Bun's drain: the socket can take more. */
  flush(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const written = this.socket.write(head);
      if (written <= 0) return;
      this.queued -= written;
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        return;
      }
      this.queue.shift();
    }
    if (this.ending) this.socket.end();
    this.sink.onDrain();
  }

  get bufferedAmount(): number {
    return this.queued;
  }
  end(): void {
    // What is still queued (a close frame, say) goes first.
    if (this.queued > 0) this.ending = true;
    else this.socket.end();
  }
  private ending = false;
  destroy(): void {
    this.socket.terminate();
  }
}

export const bunTransport: TransportFactory = (options: ConnectOptions, sink: TransportSink) =>
  new Promise<Transport>((resolve, reject) => {
    const { host, port, secure } = options;
    const where = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let transport: BunTransport | null = null;
    let settled = false;
    let lastError: Error | undefined;
    // The socket while connecting: given up (handshake timeout, close()) means closed, on every path.
    let connecting: BunSocket | null = null;
    const aborted = () => options.signal?.aborted === true;
    options.signal?.addEventListener('abort', () => connecting?.terminate(), { once: true });
    const open = (socket: BunSocket) => {
      connecting = null;
      if (aborted()) {
        socket.terminate();
        return;
      }
      socket.setNoDelay(true);
      transport = new BunTransport(socket, sink);
      settled = true;
      resolve(transport);
    };
    const fail = (error: WebSocketError) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    Bun.connect({
      hostname: host,
      port,
      tls: secure
        ? {
            serverName: options.servername,
            rejectUnauthorized: options.rejectUnauthorized,
            ca: options.ca,
            cert: options.cert,
            key: options.key,
            passphrase: options.passphrase,
          }
        : undefined,
      socket: {
        open(socket) {
          if (aborted()) socket.terminate();
          else if (secure) connecting = socket;
          else open(socket);
        },
        handshake(socket, success, authorizationError) {
          if (success || (authorizationError && !options.rejectUnauthorized)) open(socket);
          else {
            fail(
              new WebSocketError(
                'ERR_TLS',
                `TLS handshake with ${where} failed: ${authorizationError?.message ?? 'not authorized'}`,
                { cause: authorizationError },
              ),
            );
            socket.terminate();
          }
        },
        data(_socket, data) {
          sink.onChunk(data);
        },
        end(socket) {
          // The peer's FIN: Bun keeps our side open unless told; nothing more can come, so close it.
          socket.end();
        },
        drain() {
          transport?.flush();
        },
        error(_socket, error) {
          lastError = error;
          fail(
            new WebSocketError(secure ? 'ERR_TLS' : 'ERR_CONNECT', `Connection to ${where} failed: ${error.message}`, {
              cause: error,
            }),
          );
        },
        connectError(_socket, error) {
          const code = (error as { code?: string }).code;
          fail(
            new WebSocketError(
              'ERR_CONNECT',
              `Could not connect to ${where}: ${code ? `${code}: ` : ''}${error.message}`,
              { cause: error },
            ),
          );
        },
        close(_socket, error) {
          connecting = null;
          if (transport) sink.onClose(error ?? lastError);
          else
            fail(
              new WebSocketError(
                secure ? 'ERR_TLS' : 'ERR_CONNECT',
                `Connection to ${where} closed while connecting${error ? `: ${error.message}` : ''}`,
              ),
            );
        },
      },
    }).catch((error: Error) =>
      fail(new WebSocketError('ERR_CONNECT', `Could not connect to ${where}: ${error.message}`, { cause: error })),
    );
  });

const bunPlatform: Platform = { transport: bunTransport, compressor: zlibCompressor };

export class WebSocket extends BaseWebSocket {
  constructor(url: string | URL, protocols: string | string[] = [], options: ClientOptions = {}) {
    super(url, protocols, options, bunPlatform);
  }
}
export const connect: Connect = bindConnect(bunPlatform);
export * from '../src/api.ts';
