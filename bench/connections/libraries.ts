// How the many-connections child opens one connection with each library. Every opener resolves once
// the connection is open; onEcho gets the length of every message received, onLost fires if the
// connection ends before the child closes it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { ClientOptions } from '../../src/api.ts';
import { loadPackage } from '../package.ts';

export interface Opened {
  send(payload: Uint8Array): void;
  close(): void;
}

export interface Handlers {
  onEcho(length: number): void;
  onLost(why: string): void;
}

export type Opener = (handlers: Handlers) => Promise<Opened>;

export type Library = 'wasm-ws' | 'wasm-ws-class' | 'wasm-ws-c' | 'native' | 'ws';

async function ours(url: string, api: 'connect' | 'class', backend: 'as' | 'c', ca?: string): Promise<Opener> {
  const mod = await loadPackage();
  // The defaults a user gets, but for the backend and the server's certificate.
  const options: ClientOptions = { backend };
  if (ca) options.ca = ca;
  if (api === 'class')
    return (h) =>
      new Promise((resolve, reject) => {
        const ws = new mod.WebSocket(url, [], options);
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => {
          ws.onerror = null;
          ws.onclose = () => h.onLost('closed by the server');
          resolve({
            send: (p) => ws.send(p),
            close: () => {
              ws.onclose = null;
              ws.close();
            },
          });
        };
        ws.onerror = (event) => reject((event as unknown as { error?: Error }).error ?? new Error('error event'));
        ws.onmessage = (event) => h.onEcho((event.data as ArrayBuffer).byteLength);
      });
  return async (h) => {
    let closing = false;
    const conn = await mod.connect(
      url,
      {
        onMessage: (data) => h.onEcho(data.length),
        onClose: (code) => {
          if (!closing) h.onLost(`closed with ${code}`);
        },
      },
      options,
    );
    return {
      send: (p) => conn.send(p),
      close: () => {
        closing = true;
        conn.close(1000);
      },
    };
  };
}

function native(url: string): Opener {
  if (typeof WebSocket !== 'function')
    throw new Error('no global WebSocket on this runtime (Node 20 needs --experimental-websocket)');
  return (h) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        ws.onerror = null;
        ws.onclose = () => h.onLost('closed by the server');
        resolve({
          send: (p) => ws.send(p as Uint8Array<ArrayBuffer>),
          close: () => {
            ws.onclose = null;
            ws.close();
          },
        });
      };
      ws.onerror = () => reject(new Error(`native WebSocket failed to connect to ${url}`));
      ws.onmessage = (event) => h.onEcho((event.data as ArrayBuffer).byteLength);
    });
}

// The npm package by its file path: Bun maps the bare name `ws` to its own client.
function wsPackage(url: string, ca?: string): Opener {
  const require = createRequire(import.meta.url);
  const WS: typeof import('ws').WebSocket = require(
    join(dirname(require.resolve('ws/package.json')), 'lib/websocket.js'),
  );
  return (h) =>
    new Promise((resolve, reject) => {
      const ws = new WS(url, { ca, perMessageDeflate: false });
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => {});
        const lost = () => h.onLost('closed by the server');
        ws.once('close', lost);
        resolve({
          send: (p) => ws.send(p),
          close: () => {
            ws.off('close', lost);
            ws.close();
          },
        });
      });
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => h.onEcho(data.length));
    });
}

export async function opener(library: Library, url: string, caFile?: string): Promise<Opener> {
  const ca = caFile ? await readFile(caFile, 'utf8') : undefined;
  switch (library) {
    case 'wasm-ws':
      return ours(url, 'connect', 'as', ca);
    case 'wasm-ws-class':
      return ours(url, 'class', 'as', ca);
    case 'wasm-ws-c':
      return ours(url, 'connect', 'c', ca);
    case 'native':
      return native(url);
    case 'ws':
      return wsPackage(url, ca);
  }
  throw new Error(`unknown client ${library}`);
}
