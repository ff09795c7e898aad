// undici 8's WebSocket from npm (what Node's own WebSocket will become), on Node 24: it needs Node 22.19+.
// For wss, the runner trusts the server's certificate through NODE_EXTRA_CA_CERTS.
import { WebSocket as UndiciWebSocket } from 'undici';
import { runStandardWebSocket } from './standard-websocket.ts';

await runStandardWebSocket("undici's WebSocket", UndiciWebSocket as unknown as typeof WebSocket);
