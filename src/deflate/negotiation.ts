// permessage-deflate's negotiation (RFC 7692 §5, §7.1): the offer a client sends, and what a response
// may agree to. A parameter we did not offer, a value out of range or a parameter given twice fails the
// handshake with ERR_HANDSHAKE naming it.
import { WebSocketError } from '../protocol/errors.ts';
import type { ExtensionElement } from '../protocol/extension-header.ts';

export interface PerMessageDeflateOptions {
  /** Ask the server to compress with a window of at most 2^N bytes (8–15). Default: not asked. */
  serverMaxWindowBits?: number;
  /**
   * Let the server limit the window we compress with: true (default) offers the parameter without a
   * value, a number (8–15) offers that limit, false does not offer it.
   */
  clientMaxWindowBits?: number | boolean;
  /** Ask the server not to keep its context between messages (saves our 32 KiB window). */
  serverNoContextTakeover?: boolean;
  /** Do not keep our context between messages. */
  clientNoContextTakeover?: boolean;
  /** Messages smaller than this many bytes are sent uncompressed (default 1024). */
  threshold?: number;
}

/** What both sides agreed to. */
export interface DeflateAgreement {
  /** The server compresses with a window of at most 2^N bytes. */
  serverMaxWindowBits: number;
  /** We compress with a window of at most 2^N bytes. */
  clientMaxWindowBits: number;
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** Messages smaller than this are sent uncompressed. */
  threshold: number;
}

export const NAME = 'permessage-deflate';
export const DEFAULT_THRESHOLD = 1024;

/** The options as given (true, false, undefined or an object), resolved: null when not offered. */
export function deflateOptions(
  option: boolean | PerMessageDeflateOptions | undefined,
): PerMessageDeflateOptions | null {
  if (option === false) return null;
  return option === true || option === undefined ? {} : option;
}

/** Throws a TypeError or RangeError naming the first bad perMessageDeflate setting. */
export function validateDeflateOptions(option: unknown): void {
  if (option === undefined || typeof option === 'boolean') return;
  if (option === null || typeof option !== 'object') {
    throw new TypeError('The perMessageDeflate option must be a boolean or an object');
  }
  const o = option as Record<string, unknown>;
  const bits = (name: string, value: unknown, allowBoolean: boolean) => {
    if (value === undefined || (allowBoolean && typeof value === 'boolean')) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 8 || value > 15) {
      throw new RangeError(`perMessageDeflate.${name} must be an integer from 8 to 15, got ${String(value)}`);
    }
  };
  bits('serverMaxWindowBits', o.serverMaxWindowBits, false);
  bits('clientMaxWindowBits', o.clientMaxWindowBits, true);
  for (const name of ['serverNoContextTakeover', 'clientNoContextTakeover']) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') {
      throw new TypeError(`perMessageDeflate.${name} must be a boolean`);
    }
  }
  const t = o.threshold;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 0)) {
    throw new RangeError(`perMessageDeflate.threshold must be an integer of 0 or more, got ${String(t)}`);
  }
}

/** The offer's Sec-WebSocket-Extensions value. */
export function deflateOffer(options: PerMessageDeflateOptions): string {
  let offer = NAME;
  if (options.clientNoContextTakeover) offer += '; client_no_context_takeover';
  if (options.serverNoContextTakeover) offer += '; server_no_context_takeover';
  if (options.serverMaxWindowBits !== undefined) offer += `; server_max_window_bits=${options.serverMaxWindowBits}`;
  const client = options.clientMaxWindowBits ?? true;
  if (client === true) offer += '; client_max_window_bits';
  else if (typeof client === 'number') offer += `; client_max_window_bits=${client}`;
  return offer;
}

function refuse(why: string): never {
  throw new WebSocketError('ERR_HANDSHAKE', `Invalid permessage-deflate response: ${why}`);
}

function windowBits(name: string, value: string | true, limit: number | undefined): number {
  // A decimal integer without leading zeros (RFC 7692 §7.1.2.1).
  if (value === true || !/^[1-9]\d?$/.test(value))
    refuse(`${name} needs a value from 8 to 15, got ${value === true ? 'none' : value}`);
  const bits = Number(value);
  if (bits < 8 || bits > 15) refuse(`${name}=${value} is out of range (8 to 15)`);
  if (limit !== undefined && bits > limit) refuse(`${name}=${value} is more than the ${limit} offered`);
  return bits;
}

/** What the server's response agrees to, given what we offered; throws ERR_HANDSHAKE when it is not valid. */
export function deflateAgreement(elements: ExtensionElement[], options: PerMessageDeflateOptions): DeflateAgreement {
  if (elements.length !== 1 || elements[0].name.toLowerCase() !== NAME) {
    const names = elements.map((e) => e.name).join(', ');
    throw new WebSocketError('ERR_HANDSHAKE', `Server chose extensions that were not offered: ${names}`);
  }
  const offeredClient = options.clientMaxWindowBits ?? true;
  const agreement: DeflateAgreement = {
    serverMaxWindowBits: options.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: typeof offeredClient === 'number' ? offeredClient : 15,
    serverNoContextTakeover: false,
    clientNoContextTakeover: options.clientNoContextTakeover ?? false,
    threshold: options.threshold ?? DEFAULT_THRESHOLD,
  };
  const seen = new Set<string>();
  for (const [rawName, value] of elements[0].params) {
    const name = rawName.toLowerCase();
    if (seen.has(name)) refuse(`${name} appears twice`);
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) refuse(`${name} takes no value`);
        if (name === 'server_no_context_takeover') agreement.serverNoContextTakeover = true;
        else agreement.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        agreement.serverMaxWindowBits = windowBits(name, value, options.serverMaxWindowBits);
        break;
      case 'client_max_window_bits':
        if (offeredClient === false) refuse(`${name} was not offered`);
        agreement.clientMaxWindowBits = windowBits(name, value, typeof offeredClient === 'number' ? offeredClient : 15);
        break;
      default:
        refuse(`unknown parameter ${rawName}`);
    }
  }
  return agreement;
}
