import { isCountersignError, RegistrationError, type RegistrationErrorCode } from '@countersign/core';
import { HttpError } from './errors.js';

/** What each refusal is answered with: 413 for size, 403 for an issuer the service does not admit, 400 for the rest. */
export const REGISTRATION_STATUS: Readonly<Record<RegistrationErrorCode, number>> = {
  REGISTRATION_TOO_LARGE: 413,
  REGISTRATION_MALFORMED: 400,
  REGISTRATION_UNTRUSTED: 403,
  REGISTRATION_BAD_SIGNATURE: 400,
  REGISTRATION_UNPROTECTED_HEADER: 400,
  REGISTRATION_NOT_PREFERRED_ENCODING: 400,
  REGISTRATION_EXPIRED: 400,
  REGISTRATION_NOT_YET_VALID: 400,
};

export interface Problem {
  status: number;
  detail: string;
  /** The server's own failure, for the operator's log; a client's mistake or departure never is. */
  internal: boolean;
}

/** The answer to an error thrown while serving a request. */
export function problemStatus(error: unknown): Problem {
  if (error instanceof HttpError) return { status: error.httpStatus, detail: error.message, internal: false };
  if (error instanceof RegistrationError) return { status: REGISTRATION_STATUS[error.code], detail: error.message, internal: false };
  if (isCountersignError(error)) {
    if (error.code === 'LEDGER_UNKNOWN_ENTRY') return { status: 404, detail: error.message, internal: false };
    if (error.code === 'LEDGER_INVALID') return { status: 400, detail: error.message, internal: false };
    if (error.code === 'LEDGER_TOO_LARGE') return { status: 413, detail: error.message, internal: false };
    return { status: 503, detail: error.message, internal: true };
  }
  return { status: 500, detail: 'internal error', internal: true };
}
