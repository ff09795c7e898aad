// permessage-deflate's negotiation on a server (RFC 7692 §5, §7.1): the first of the client's offers we
// can accept, our response to it, and what that agrees to. An offer with a parameter that is unknown,
// given twice or out of range is declined (§5: "MUST decline"), and the next one is tried.
import type { ExtensionElement } from '../protocol/extension-header.ts';
import { DEFAULT_THRESHOLD, type DeflateAgreement, NAME } from './negotiation.ts';

export interface ServerDeflateOptions {
  /** Compress with a window of at most 2^N bytes (8–15; default 15, or what the client asks). */
  serverMaxWindowBits?: number;
  /** Ask the client to compress with a window of at most 2^N bytes (8–15), where it offers to be limited. */
  clientMaxWindowBits?: number;
  /** Do not keep our context between messages (saves our window per connection). */
  serverNoContextTakeover?: boolean;
  /** Ask the client not to keep its context between messages (saves our inflater's window). */
  clientNoContextTakeover?: boolean;
  /** Messages smaller than this many bytes are sent uncompressed (default 1024). */
  threshold?: number;
}

/** What we answer and what it means for our compressor. */
export interface DeflateAcceptance {
  /** The response's Sec-WebSocket-Extensions value. */
  response: string;
  /**
   * The agreement as our compressor reads it: DeflateAgreement names the sides from a client's view
   * ("client" is who compresses with the compressor, "server" its peer), so a server's own parameters
   * are the "client" ones here.
   */
  agreement: DeflateAgreement;
}

/** A parameter's window bits, or null when it is not a valid value (RFC 7692 §7.1.2). */
function bitsOf(value: string | true): number | null {
  if (value === true || !/^[1-9]\d?$/.test(value)) return null;
  const bits = Number(value);
  return bits >= 8 && bits <= 15 ? bits : null;
}

/** Our answer to one offer, or null to decline it. */
function accept(offer: ExtensionElement, options: ServerDeflateOptions): DeflateAcceptance | null {
  let serverBits: number | null = null;
  let clientBits: number | true | null = null; // true: the client may be limited, no limit named
  let serverNoContext = false;
  let clientNoContext = false;
  const seen = new Set<string>();
  for (const [rawName, value] of offer.params) {
    const name = rawName.toLowerCase();
    if (seen.has(name)) return null;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return null;
        if (name === 'server_no_context_takeover') serverNoContext = true;
        else clientNoContext = true;
        break;
      case 'server_max_window_bits':
        serverBits = bitsOf(value);
        if (serverBits === null) return null;
        break;
      case 'client_max_window_bits':
        if (value === true) clientBits = true;
        else {
          clientBits = bitsOf(value);
          if (clientBits === null) return null;
        }
        break;
      default:
        return null;
    }
  }
  // A limit on the client's window can only be set where the client offered to be limited.
  if (options.clientMaxWindowBits !== undefined && clientBits === null) return null;
  const ourBits = Math.min(serverBits ?? 15, options.serverMaxWindowBits ?? 15);
  const theirBits =
    options.clientMaxWindowBits !== undefined
      ? Math.min(options.clientMaxWindowBits, clientBits === true || clientBits === null ? 15 : clientBits)
      : typeof clientBits === 'number'
        ? clientBits
        : 15;
  const ourNoContext = serverNoContext || options.serverNoContextTakeover === true;
  const theirNoContext = clientNoContext || options.clientNoContextTakeover === true;
  let response = NAME;
  if (ourNoContext) response += '; server_no_context_takeover';
  if (theirNoContext) response += '; client_no_context_takeover';
  if (serverBits !== null || ourBits < 15) response += `; server_max_window_bits=${ourBits}`;
  if (options.clientMaxWindowBits !== undefined || typeof clientBits === 'number')
    response += `; client_max_window_bits=${theirBits}`;
  return {
    response,
    agreement: {
      clientMaxWindowBits: ourBits,
      clientNoContextTakeover: ourNoContext,
      serverMaxWindowBits: theirBits,
      serverNoContextTakeover: theirNoContext,
      threshold: options.threshold ?? DEFAULT_THRESHOLD,
    },
  };
}

/** The first permessage-deflate offer among `offers` (in the client's order) that we accept, or null. */
export function acceptDeflate(offers: ExtensionElement[], options: ServerDeflateOptions): DeflateAcceptance | null {
  for (const offer of offers) {
    if (offer.name.toLowerCase() !== NAME) continue;
    const accepted = accept(offer, options);
    if (accepted !== null) return accepted;
  }
  return null;
}
