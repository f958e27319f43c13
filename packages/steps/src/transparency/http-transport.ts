import type { IncomingHttpHeaders } from 'node:http';
import type { Agent } from 'node:https';
import { onFirstUse, TransparencyError } from '@countersign/core';

const http = onFirstUse<typeof import('node:http')>('node:http');
const https = onFirstUse<typeof import('node:https')>('node:https');

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
}

/** The one thing callers ask of an answer's headers; `name` is lower case. */
export interface AnswerHeaders {
  get(name: string): string | null;
}

export interface TransportAnswer {
  status: number;
  headers: AnswerHeaders;
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
  /** Made on the first request to each pinned origin. */
  private readonly agents = new Map<string, Agent>();

  /** `pins` maps an https origin to the PEM certificate(s) that alone may vouch for it. */
  constructor(private readonly pins: ReadonlyMap<string, string> = new Map()) {}

  isPinned(url: URL): boolean {
    return this.pins.has(url.origin);
  }

  private agentFor(origin: string): Agent | undefined {
    let agent = this.agents.get(origin);
    const ca = this.pins.get(origin);
    if (agent === undefined && ca !== undefined) this.agents.set(origin, (agent = new (https().Agent)({ ca, keepAlive: true })));
    return agent;
  }

  send(request: TransportRequest): Promise<TransportAnswer> {
    const secure = request.url.protocol === 'https:';
    const headers = request.body ? { ...request.headers, 'content-length': String(request.body.byteLength) } : request.headers;
    const options = { method: request.method, headers, ...(secure ? { agent: this.agentFor(request.url.origin) } : {}) };
    return new Promise((resolve, reject) => {
      // One timer for the whole exchange, as AbortSignal.timeout would be, without the signal's
      // listeners on every request and socket: a monitor sends a hundred thousand of these.
      const timer = setTimeout(() => {
        fail(new DOMException(`no answer from ${request.url.origin} within ${request.timeoutMs} ms`, 'TimeoutError'));
        outgoing.destroy();
      }, request.timeoutMs);
      const fail = (error: unknown): void => {
        clearTimeout(timer);
        reject(error);
      };
      const outgoing = (secure ? https().request : http().request)(request.url, options, (incoming) => {
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
        incoming.on('error', fail);
        incoming.on('close', () => {
          if (!incoming.complete) fail(Object.assign(new Error('connection closed before the answer was complete'), { code: 'ECONNRESET' }));
        });
        incoming.on('end', () => {
          clearTimeout(timer);
          resolve({ status: incoming.statusCode ?? 0, headers: new IncomingHeaders(incoming.headers), body: new Uint8Array(Buffer.concat(chunks)) });
        });
      });
      outgoing.on('error', fail);
      outgoing.end(request.body ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) : undefined);
    });
  }

  /** Closes the idle connections of pinned origins (the others belong to the process-wide agent). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
  }
}

/** Node's parsed headers read as fetch's Headers.get reads them (repeated ones joined with ", "), without copying them into a Headers. */
class IncomingHeaders implements AnswerHeaders {
  constructor(private readonly incoming: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.incoming[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}
