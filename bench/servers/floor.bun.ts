// The floor server on Bun: Bun.listen (TLS through its `tls` option), its data handler scanning frames;
// what the kernel did not take waits for `drain` (Bun's write() does not buffer). See floor.ts.
import { announce, controlled, serverArgs } from './common.ts';
import { FloorConnection } from './floor.ts';

interface State {
  conn: FloorConnection;
  /** Bytes written but not taken yet, in order. */
  pending: Uint8Array[];
  ending: boolean;
}

function flush(socket: Bun.Socket<State>): void {
  const state = socket.data;
  while (state.pending.length) {
    const bytes = state.pending[0];
    const n = socket.write(bytes);
    if (n < bytes.length) {
      state.pending[0] = bytes.subarray(Math.max(n, 0));
      return;
    }
    state.pending.shift();
  }
  if (state.ending) socket.end();
}

const args = await serverArgs();
const sockets = new Set<Bun.Socket<State>>();
const listener = Bun.listen<State>({
  hostname: args.host,
  port: 0,
  tls: args.tls ? { cert: args.tls.cert, key: args.tls.key } : undefined,
  socket: {
    open(socket) {
      socket.setNoDelay(true);
      sockets.add(socket);
      const state: State = {
        pending: [],
        ending: false,
        conn: new FloorConnection(
          (bytes) => {
            state.pending.push(bytes);
            if (state.pending.length === 1) flush(socket);
          },
          () => {
            state.ending = true;
            if (state.pending.length === 0) socket.end();
          },
        ),
      };
      socket.data = state;
    },
    data(socket, data) {
      socket.data.conn.push(data, 0, data.length);
    },
    drain(socket) {
      flush(socket);
    },
    close(socket) {
      sockets.delete(socket);
    },
    error() {},
  },
});
announce(args, listener.port);
controlled(args, () => {
  for (const socket of sockets) socket.terminate();
  listener.stop(true);
});
