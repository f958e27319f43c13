import { CountersignError } from '../errors.js';

export type CoseErrorCode =
  | 'COSE_MALFORMED' // not a COSE_Sign1 structure, or a header of the wrong type
  | 'COSE_WRONG_TAG' // tagged with something other than 18
  | 'COSE_UNTAGGED' // untagged where the caller requires tag 18
  | 'COSE_MISSING_ALGORITHM' // no alg in the protected header
  | 'COSE_UNSUPPORTED_ALGORITHM'
  | 'COSE_UNKNOWN_CRITICAL_HEADER' // crit names a label this verifier does not understand
  | 'COSE_KEY_MISMATCH' // the key's type or curve cannot serve the algorithm
  | 'COSE_BAD_SIGNATURE'
  | 'COSE_NO_PAYLOAD'; // nil payload and no detached payload given

export class CoseError extends CountersignError<CoseErrorCode> {
  readonly area = 'cose';
}

export type KeyErrorCode =
  | 'KEY_UNREADABLE' // not PEM, DER or JWK, encrypted, or damaged
  | 'KEY_NOT_PRIVATE' // a public key where a private one is needed
  | 'KEY_UNSUPPORTED' // a key type or size countersign does not sign with
  | 'KEY_ALGORITHM_MISMATCH'; // the key cannot produce the requested algorithm

export class KeyError extends CountersignError<KeyErrorCode> {
  readonly area = 'key';
}
