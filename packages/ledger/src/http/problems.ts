import { isCountersignError } from '@countersign/core';
import { RegistrationError } from '../service/registration-error.js';
import { HttpError } from './errors.js';

export interface Problem {
  status: number;
  detail: string;
  /** The server's own failure, for the operator's log; a client's mistake or departure never is. */
  internal: boolean;
}

/** The answer to an error thrown while serving a request. */
export function problemStatus(error: unknown): Problem {
  if (error instanceof HttpError) return { status: error.httpStatus, detail: error.message, internal: false };
  if (error instanceof RegistrationError) return { status: error.httpStatus, detail: error.message, internal: false };
  if (isCountersignError(error)) {
    if (error.code === 'LEDGER_UNKNOWN_ENTRY') return { status: 404, detail: error.message, internal: false };
    if (error.code === 'LEDGER_INVALID') return { status: 400, detail: error.message, internal: false };
    if (error.code === 'LEDGER_TOO_LARGE') return { status: 413, detail: error.message, internal: false };
    return { status: 503, detail: error.message, internal: true };
  }
  return { status: 500, detail: 'internal error', internal: true };
}
