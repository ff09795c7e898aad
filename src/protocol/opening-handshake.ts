// The opening handshake's client side (RFC 6455 §4.1): the request bytes, the response head as it
// arrives, and the verdict on it. Knows nothing of sockets or timers.
import {
  acceptFor,
  buildRequest,
  createKey,
  handshakeResponse,
  parseResponseHead,
  protocolsProblem,
  refusal,
  type Sha1Base64,
  verifyResponse,
} from './handshake.ts';
import {
  type DeflateAgreement,
  type PerMessageDeflateOptions,
  deflateAgreement,
  deflateOffer,
  deflateOptions,
} from '../deflate/negotiation.ts';
import { type HandshakeResponse, WebSocketError } from './errors.ts';
import { parseExtensions } from './extension-header.ts';
import { HeadBuffer } from './head-buffer.ts';
import { responseBody } from './response-body.ts';
import type { Endpoint } from './url.ts';

const EMPTY = new Uint8Array(0);

/** A response that opened the connection: what the server chose, and the frames that followed the head. */
export interface Opened {
  protocol: string;
  /** The response's Sec-WebSocket-Extensions, as sent. */
  extensions: string;
  response: HandshakeResponse;
  /** permessage-deflate, when the server agreed to it. */
  deflate: DeflateAgreement | null;
  rest: Uint8Array;
}

export class OpeningHandshake extends HeadBuffer {
  readonly protocols: string[];
  /** The request head, Latin-1 bytes, until takeRequest(). */
  private request: Uint8Array;
  /** The Sec-WebSocket-Accept the response must carry. */
  private readonly accept: string;
  private readonly deflate: PerMessageDeflateOptions | null;

  /** Throws a SyntaxError for bad subprotocols, a TypeError for bad headers: before anything connects. */
  constructor(
    endpoint: Endpoint,
    protocols: string | string[],
    headers: Record<string, string>,
    perMessageDeflate: boolean | PerMessageDeflateOptions | undefined,
    sha1Base64: Sha1Base64,
  ) {
    super(1024); // a 101 is a few hundred bytes
    this.protocols = typeof protocols === 'string' ? [protocols] : [...protocols];
    const problem = protocolsProblem(this.protocols);
    if (problem) throw new SyntaxError(problem);
    this.deflate = deflateOptions(perMessageDeflate);
    const key = createKey();
    const offer = this.deflate ? deflateOffer(this.deflate) : '';
    this.request = buildRequest(endpoint, key, this.protocols, headers, offer);
    this.accept = acceptFor(key, sha1Base64);
  }

  /** The request head, to be written once: this keeps no reference to it. */
  takeRequest(): Uint8Array {
    const request = this.request;
    this.request = EMPTY;
    return request;
  }

  /** Some of the response has arrived. */
  get started(): boolean {
    return this.length > 0;
  }

  /**
   * null while the head is incomplete, or refuses and its body is still coming; the verdict once it is;
   * throws a WebSocketError (ERR_HANDSHAKE_STATUS, ERR_HANDSHAKE) for a bad answer. `closed`: the socket
   * has ended, judge what came.
   */
  judge(closed = false): Opened | null {
    const head = parseResponseHead(this.head.subarray(0, this.length));
    if (head === null) return null;
    const rest = this.head.subarray(head.length, this.length);
    if (head.status !== 101) {
      this.refusing = true;
      const body = responseBody(head, rest, closed);
      if (body === null) return null;
      throw refusal(head, body);
    }
    const chosen = verifyResponse(head, this.accept, this.protocols);
    const deflate = this.agreement(chosen.extensions);
    this.release();
    return { ...chosen, deflate, response: handshakeResponse(head), rest };
  }

  /** A refusal (not a 101) has come, and its body is awaited. */
  refusing = false;

  /** The extensions the server chose, checked against the offer: permessage-deflate or none. */
  private agreement(extensions: string): DeflateAgreement | null {
    if (extensions.trim() === '') return null;
    let elements: ReturnType<typeof parseExtensions>;
    try {
      elements = parseExtensions(extensions);
    } catch (error) {
      throw new WebSocketError('ERR_HANDSHAKE', `Invalid Sec-WebSocket-Extensions header: ${(error as Error).message}`);
    }
    if (this.deflate === null) {
      throw new WebSocketError('ERR_HANDSHAKE', `Server chose extensions that were not offered: ${extensions}`);
    }
    return deflateAgreement(elements, this.deflate);
  }
}
