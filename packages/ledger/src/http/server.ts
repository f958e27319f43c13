import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isCountersignError, type Encodable } from '@countersign/core';
import { RegistrationError } from '../service/registration-error.js';
import type { TransparencyLedger } from '../service/transparency-ledger.js';
import { Operations, type Operation } from './operations.js';
import { MEDIA, problemBody, send, sendCbor, sendProblem } from './responses.js';

/** How POST /entries answers: 201 with the receipt, 303 to the entry, or 202 with an operation (Microsoft's legacy flow). */
export type RegistrationStyle = 'sync' | 'redirect' | 'operation';

export interface LedgerServerOptions {
  /** Where failures that are the server's own fault are reported (the operator's log). */
  onInternalError?: (error: unknown) => void;
  ledger: TransparencyLedger;
  registration: RegistrationStyle;
  /** Request bodies larger than this are refused with 413 before they are read whole. */
  maxBodyBytes: number;
  /** Seconds a client is asked to wait before polling a pending registration again. */
  retryAfterSeconds?: number;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpProblem(413, `statement of ${declared} bytes is over the ${limit}-byte limit`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        reject(new HttpProblem(413, `statement is over the ${limit}-byte limit`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

function problemStatus(error: unknown): { status: number; detail: string } {
  if (error instanceof HttpProblem) return { status: error.status, detail: error.message };
  if (error instanceof RegistrationError) return { status: error.httpStatus, detail: error.message };
  if (isCountersignError(error)) {
    if (error.code === 'LEDGER_UNKNOWN_ENTRY') return { status: 404, detail: error.message };
    if (error.code === 'LEDGER_INVALID') return { status: 400, detail: error.message };
    if (error.code === 'LEDGER_TOO_LARGE') return { status: 413, detail: error.message };
    return { status: 503, detail: error.message };
  }
  return { status: 500, detail: 'internal error' };
}

/** The SCRAPI endpoints Microsoft's service serves, plus /log/tree-head and /log/consistency. */
export function createLedgerServer(options: LedgerServerOptions): Server {
  const { ledger } = options;
  const operations = new Operations();
  const retryAfter = String(options.retryAfterSeconds ?? 1);

  async function register(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== MEDIA.cose) {
      request.resume();
      throw new HttpProblem(415, `POST /entries takes application/cose, not ${contentType || 'no content type'}`);
    }
    const statement = await readBody(request, options.maxBodyBytes);
    if (options.registration === 'sync') {
      const { entryId, receipt } = await ledger.register(statement);
      send(response, 201, MEDIA.receipt, receipt, { location: `/entries/${entryId}` });
      return;
    }
    const operation = operations.start();
    void ledger.register(statement).then(
      ({ entryId, receipt }) => Object.assign(operation, { status: 'succeeded', entryId, receipt }),
      (error: unknown) => {
        const { status, detail } = problemStatus(error);
        Object.assign(operation, { status: 'failed', error: { status, title: status === 403 ? 'Forbidden' : 'Bad Request', detail } });
      },
    );
    if (options.registration === 'redirect') {
      send(response, 303, undefined, undefined, { location: `/entries/${operation.id}`, 'retry-after': retryAfter });
    } else {
      sendCbor(response, 202, operationBody(operation), { location: `/operations/${operation.id}`, 'retry-after': retryAfter });
    }
  }

  function operationBody(operation: Operation): Map<string, Encodable> {
    const body = new Map<string, Encodable>([
      ['OperationId', operation.id],
      ['Status', operation.status],
    ]);
    if (operation.entryId !== undefined) body.set('EntryId', operation.entryId);
    if (operation.error) body.set('Error', new Map([['title', operation.error.title], ['detail', operation.error.detail]]));
    return body;
  }

  async function entry(id: string, response: ServerResponse, statement: boolean): Promise<void> {
    const operation = operations.get(id);
    if (operation && !statement) {
      if (operation.status === 'running') return send(response, 302, undefined, undefined, { location: `/entries/${id}`, 'retry-after': retryAfter });
      if (operation.status === 'failed') return send(response, operation.error!.status, MEDIA.problem, problemBody(operation.error!.status, operation.error!.detail));
      // The operation id served its purpose: Content-Location names the entry for good.
      return send(response, 200, MEDIA.receipt, operation.receipt, { 'content-location': `/entries/${operation.entryId}` });
    }
    if (statement) return send(response, 200, MEDIA.cose, await ledger.transparentStatement(id));
    send(response, 200, MEDIA.receipt, await ledger.receipt(id));
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://ledger.invalid');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const base = `http://${request.headers.host ?? 'localhost'}`;
    const only = (allowed: string): void => {
      if (method !== allowed) throw new HttpProblem(405, `${path} answers ${allowed} only`);
    };
    if (path === '/entries') {
      only('POST');
      return register(request, response);
    }
    if (method !== 'GET') throw new HttpProblem(405, `${path} answers GET only`);
    if (path === '/.well-known/transparency-configuration') {
      return sendCbor(response, 200, new Map([['issuer', (await ledger.serviceKeys()).issuer], ['jwks_uri', `${base}/jwks`], ['registration_endpoint', `${base}/entries`]]));
    }
    if (path === '/jwks') return send(response, 200, MEDIA.json, JSON.stringify((await ledger.serviceKeys()).jwks));
    if (path === '/.well-known/scitt-keys') return send(response, 200, MEDIA.cbor, ledger.coseKeySet());
    if (path === '/log/tree-head') {
      const head = await ledger.treeHead();
      if (!head) throw new HttpProblem(404, 'the log is empty: no tree head has been signed yet');
      return send(response, 200, MEDIA.cose, head);
    }
    if (path === '/log/consistency') {
      const from = Number(url.searchParams.get('from'));
      const to = url.searchParams.has('to') ? Number(url.searchParams.get('to')) : undefined;
      return send(response, 200, MEDIA.receipt, await ledger.consistency(from, to));
    }
    const operationMatch = /^\/operations\/([^/]+)$/.exec(path);
    if (operationMatch) {
      const operation = operations.get(decodeURIComponent(operationMatch[1] as string));
      if (!operation) throw new HttpProblem(404, 'no such operation');
      return sendCbor(response, operation.status === 'running' ? 202 : 200, operationBody(operation), operation.status === 'running' ? { 'retry-after': retryAfter } : {});
    }
    const entryMatch = /^\/entries\/([^/]+)(\/statement)?$/.exec(path);
    if (entryMatch) return entry(decodeURIComponent(entryMatch[1] as string), response, entryMatch[2] !== undefined);
    throw new HttpProblem(404, `no such resource: ${path.slice(0, 100)}`);
  }

  return createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      const { status, detail } = problemStatus(error);
      if (status >= 500) options.onInternalError?.(error);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      // A refused upload may still be arriving: answer, then drop the connection rather than read it.
      const closing: Record<string, string> = status === 413 ? { connection: 'close' } : {};
      sendProblem(response, status, detail, closing);
      if (status === 413) response.on('finish', () => request.destroy());
    });
  });
}
