import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Encodable } from '@countersign/core';
import type { TransparencyLedger } from '../service/transparency-ledger.js';
import { readBody, type BodyLimits } from './body.js';
import { HttpError } from './errors.js';
import { Operations, type Operation } from './operations.js';
import { problemStatus } from './problems.js';
import { entryIdPage } from './entry-id-page.js';
import { MEDIA, problemBody, send, sendCbor } from './responses.js';

/** How POST /entries answers: 201 with the receipt, 303 to the entry, or 202 with an operation (Microsoft's legacy flow). */
export type RegistrationStyle = 'sync' | 'redirect' | 'operation';

export interface RouterOptions {
  ledger: TransparencyLedger;
  registration: RegistrationStyle;
  retryAfter: string;
  body: BodyLimits;
  /** The base URL the configuration advertises, known once the server listens. */
  publicUrl: () => string;
}

export type Route = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError('HTTP_BAD_PATH', 'the path has a malformed percent-encoding');
  }
}

const SIZE = /^[0-9]{1,15}$/;

/** A tree size in a query: a plain decimal integer, nothing Number() would also take ("", "1e3", "0x10", " 7"). */
function sizeParameter(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!SIZE.test(text)) throw new HttpError('HTTP_BAD_QUERY', `${name} must be a decimal tree size`);
  return Number(text);
}

function sendJson(response: ServerResponse, value: unknown): void {
  send(response, 200, MEDIA.json, JSON.stringify(value));
}

function methodNotAllowed(path: string, allowed: string): HttpError {
  return new HttpError('HTTP_METHOD_NOT_ALLOWED', `${path} answers ${allowed} only`, { allow: allowed });
}

/** The SCRAPI endpoints Microsoft's service serves (listing included), plus /log/tree-head and /log/consistency. */
export function createRouter(options: RouterOptions): Route {
  const { ledger, retryAfter } = options;
  const operations = new Operations();

  async function register(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== MEDIA.cose) throw new HttpError('HTTP_UNSUPPORTED_MEDIA_TYPE', `POST /entries takes application/cose, not ${contentType || 'no content type'}`);
    const statement = await readBody(request, options.body);
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

  return async function route(request, response) {
    const method = request.method ?? 'GET';
    // Every registration names exactly this target: no URL to parse for it.
    if (request.url === '/entries' && method === 'POST') return register(request, response);
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://ledger.invalid');
    } catch {
      throw new HttpError('HTTP_BAD_PATH', 'the request target is not a path');
    }
    const path = url.pathname;
    if (path === '/entries') {
      if (method !== 'POST') throw methodNotAllowed(path, 'POST');
      return register(request, response);
    }
    if (method !== 'GET') throw methodNotAllowed(path, 'GET');
    if (path === '/.well-known/transparency-configuration') {
      const base = options.publicUrl();
      return sendCbor(response, 200, new Map([['issuer', (await ledger.serviceKeys()).issuer], ['jwks_uri', `${base}/jwks`], ['registration_endpoint', `${base}/entries`]]));
    }
    if (path === '/jwks') return send(response, 200, MEDIA.json, JSON.stringify((await ledger.serviceKeys()).jwks));
    if (path === '/.well-known/scitt-keys') return send(response, 200, MEDIA.cbor, ledger.coseKeySet());
    if (path === '/log/tree-head') {
      const head = await ledger.treeHead();
      if (!head) throw new HttpError('HTTP_NOT_FOUND', 'the log is empty: no tree head has been signed yet');
      return send(response, 200, MEDIA.cose, head);
    }
    if (path === '/log/consistency') {
      const from = sizeParameter(url.searchParams, 'from');
      if (from === undefined) throw new HttpError('HTTP_BAD_QUERY', 'from is required');
      return send(response, 200, MEDIA.receipt, await ledger.consistency(from, sizeParameter(url.searchParams, 'to')));
    }
    // Before the entry pattern, which would take "txIds" for an entry id.
    if (path === '/entries/txIds') return sendJson(response, entryIdPage(ledger.treeSize, url.searchParams));
    const operationMatch = /^\/operations\/([^/]+)$/.exec(path);
    if (operationMatch) {
      const operation = operations.get(decodePathSegment(operationMatch[1] as string));
      if (!operation) throw new HttpError('HTTP_NOT_FOUND', 'no such operation');
      return sendCbor(response, operation.status === 'running' ? 202 : 200, operationBody(operation), operation.status === 'running' ? { 'retry-after': retryAfter } : {});
    }
    const entryMatch = /^\/entries\/([^/]+)(\/statement)?$/.exec(path);
    if (entryMatch) return entry(decodePathSegment(entryMatch[1] as string), response, entryMatch[2] !== undefined);
    throw new HttpError('HTTP_NOT_FOUND', `no such resource: ${path.slice(0, 100)}`);
  };
}
