// The runtime's own WebSocket (Node 20 needs --experimental-websocket; the orchestrator passes it).
import { runStandardWebSocket } from './standard-websocket.ts';

await runStandardWebSocket('native WebSocket', WebSocket);
