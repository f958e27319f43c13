import type { JsonWebKey } from 'node:crypto';
import { CountersignError } from '../errors.js';

export type TransparencyErrorCode =
  | 'TS_REFUSED' // the service refused the statement (its problem details say why)
  | 'TS_UNAVAILABLE' // unreachable, or failing with 5xx / 429 after every retry
  | 'TS_TIMEOUT' // registration did not finish within the time allowed
  | 'TS_PROTOCOL' // an answer that SCRAPI does not allow (status, content type, body)
  | 'TS_NOT_FOUND' // an unknown entry or operation
  | 'TS_PAGING' // a listing whose nextLink loops, goes backwards or leaves the service, or that runs past its page bound
  | 'TS_TLS'; // the service's TLS certificate is not trusted (or it does not speak TLS): a setting to fix, never retried

export class TransparencyError extends CountersignError<TransparencyErrorCode> {
  readonly area = 'transparency';
}

export interface Registration {
  /** The service's id for the entry (SCRAPI /entries/{id}). */
  entryId: string;
  /** The receipt, a tagged COSE_Sign1, exactly as the service sent it. */
  receipt: Uint8Array;
}

export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

export interface ServiceKeys {
  /** The service's CWT issuer, as its receipts name it. */
  issuer: string;
  jwks: JsonWebKeySet;
  jwksUri?: string;
}

/**
 * The port every transparency service sits behind: a SCRAPI service over HTTP (Microsoft Signing
 * Transparency included) or the embedded ledger in this process. Steps only see this.
 */
export interface TransparencyService {
  /** For messages: a URL, or where the embedded ledger lives. */
  readonly name: string;
  register(statement: Uint8Array): Promise<Registration>;
  serviceKeys(): Promise<ServiceKeys>;
}
