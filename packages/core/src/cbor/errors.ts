import { CountersignError } from '../errors.js';

export type CborErrorCode =
  | 'CBOR_TRUNCATED' // input ends inside an item
  | 'CBOR_MALFORMED' // reserved bits, bad UTF-8, break outside an indefinite item, duplicate map key
  | 'CBOR_LIMIT' // depth, item count, string length or total size over the decoder's limits
  | 'CBOR_TRAILING' // bytes left after the one top-level item
  | 'CBOR_UNENCODABLE'; // a JavaScript value with no CBOR form

export class CborError extends CountersignError<CborErrorCode> {
  readonly area = 'cbor';
}
