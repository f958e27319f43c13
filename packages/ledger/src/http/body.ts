import type { IncomingMessage } from 'node:http';
import type { BodyBudget } from './body-budget.js';
import { HttpError } from './errors.js';

export interface BodyLimits {
  /** The largest body taken (413 beyond). */
  maxBytes: number;
  /** Longest wait for the next body bytes (408 beyond). */
  timeoutMs: number;
  /** Shared by every request's body (503 beyond). */
  budget: BodyBudget;
  /** Seconds a refused client is asked to wait when the budget is spent. */
  retryAfter: string;
}

// A chunked body starts here and doubles, so a trickle of tiny chunks costs what it delivers, not a buffer per chunk.
const FIRST_CAPACITY = 16 * 1024;

function tooLarge(limit: number, size?: number): HttpError {
  return new HttpError('HTTP_BODY_TOO_LARGE', size === undefined ? `statement is over the ${limit}-byte limit` : `statement of ${size} bytes is over the ${limit}-byte limit`);
}

function busy(limits: BodyLimits): HttpError {
  return new HttpError('HTTP_BUSY', 'the server holds as many unfinished uploads as it takes; try again later', { 'retry-after': limits.retryAfter });
}

/**
 * Reads a request body into one buffer, charging the shared budget for the buffer's size while the
 * body is unfinished. A declared Content-Length is charged (and refused) before a byte is read.
 */
export function readBody(request: IncomingMessage, limits: BodyLimits): Promise<Uint8Array> {
  const header = request.headers['content-length'];
  // Node's parser has already refused a Content-Length that is not a decimal number.
  const declared = header === undefined ? undefined : Number(header);
  if (declared !== undefined && declared > limits.maxBytes) return Promise.reject(tooLarge(limits.maxBytes, declared));
  if (declared !== undefined && !limits.budget.take(declared)) return Promise.reject(busy(limits));
  let charged = declared ?? 0;
  let body = Buffer.allocUnsafe(charged);
  let size = 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: HttpError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.budget.give(charged);
      charged = 0;
      request.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      if (error) reject(error);
      else resolve(size === body.length ? body : body.subarray(0, size));
    };
    const timer = setTimeout(() => settle(new HttpError('HTTP_BODY_STALLED', `no body bytes arrived for ${limits.timeoutMs} ms`)), limits.timeoutMs);
    const onData = (chunk: Buffer): void => {
      timer.refresh();
      const end = size + chunk.length;
      if (end > body.length) {
        if (end > limits.maxBytes) return settle(tooLarge(limits.maxBytes));
        const capacity = Math.min(limits.maxBytes, Math.max(end, body.length * 2, FIRST_CAPACITY));
        if (!limits.budget.take(capacity - charged)) return settle(busy(limits));
        charged = capacity;
        const grown = Buffer.allocUnsafe(capacity);
        body.copy(grown, 0, 0, size);
        body = grown;
      }
      chunk.copy(body, size);
      size = end;
    };
    const onEnd = (): void => settle(undefined);
    const onClose = (): void => settle(new HttpError('HTTP_CLIENT_ABORTED', 'the client closed the connection before its body was complete'));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.once('error', onClose);
  });
}
