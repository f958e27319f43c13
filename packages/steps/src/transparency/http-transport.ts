import { request as plainRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent, request as tlsRequest } from 'node:https';
import { TransparencyError } from '@countersign/core';

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
}

export interface TransportAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Receipts and statements are small; a body past this is a misbehaving service, not a receipt. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * HTTP(S) requests in which a pinned origin trusts only its own CA (a CCF service identity), and every
 * other origin the public CA store. fetch cannot take a CA per request, so this is node:https with
 * one agent per pinned origin. Redirects are never followed here: the caller decides each hop.
 */
export class HttpTransport {
  private readonly agents = new Map<string, Agent>();

  /** `pins` maps an https origin to the PEM certificate(s) that alone may vouch for it. */
  constructor(pins: ReadonlyMap<string, string> = new Map()) {
    for (const [origin, ca] of pins) this.agents.set(origin, new Agent({ ca, keepAlive: true }));
  }

  isPinned(url: URL): boolean {
    return this.agents.has(url.origin);
  }

  send(request: TransportRequest): Promise<TransportAnswer> {
    const secure = request.url.protocol === 'https:';
    const headers = request.body ? { ...request.headers, 'content-length': String(request.body.byteLength) } : request.headers;
    const options = { method: request.method, headers, signal: AbortSignal.timeout(request.timeoutMs), ...(secure ? { agent: this.agents.get(request.url.origin) } : {}) };
    return new Promise((resolve, reject) => {
      const outgoing = (secure ? tlsRequest : plainRequest)(request.url, options, (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            incoming.destroy(new TransparencyError('TS_PROTOCOL', `${request.url.origin} sent an answer larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        incoming.on('error', reject);
        incoming.on('close', () => {
          if (!incoming.complete) reject(Object.assign(new Error('connection closed before the answer was complete'), { code: 'ECONNRESET' }));
        });
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: toHeaders(incoming.headers), body: new Uint8Array(Buffer.concat(chunks)) }));
      });
      outgoing.on('error', reject);
      outgoing.end(request.body ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) : undefined);
    });
  }

  /** Closes the idle connections of pinned origins (the others belong to the process-wide agent). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
  }
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}
