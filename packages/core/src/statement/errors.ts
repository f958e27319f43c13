import { CountersignError } from '../errors.js';

export type StatementErrorCode =
  | 'STATEMENT_MALFORMED' // a header or claim of the wrong type
  | 'STATEMENT_NIL_PAYLOAD' // detached payloads are not statements countersign accepts
  | 'STATEMENT_EMPTY_PAYLOAD'
  | 'STATEMENT_MISSING_CLAIM' // no CWT claims, or no iss / sub in them
  | 'STATEMENT_BAD_HASH_ENVELOPE' // hash envelope headers inconsistent with the payload
  | 'STATEMENT_NO_KEY_REFERENCE' // neither kid nor x5chain
  | 'STATEMENT_X5T_MISMATCH' // x5t does not name x5chain[0]
  | 'STATEMENT_NOT_YET_VALID' // the time judged is before the CWT nbf
  | 'STATEMENT_EXPIRED' // the time judged is at or after the CWT exp
  | 'STATEMENT_NOT_KEY_ROTATION'; // not the key-rotation statement it was expected to be

export class StatementError extends CountersignError<StatementErrorCode> {
  readonly area = 'statement';
}
