import { CountersignError } from '../errors.js';

export type RegistrationErrorCode =
  | 'REGISTRATION_TOO_LARGE' // over the service's statement size limit
  | 'REGISTRATION_MALFORMED' // not a tagged COSE_Sign1 signed statement the service accepts
  | 'REGISTRATION_UNTRUSTED' // the issuer is not allowed, or no key can be found for it
  | 'REGISTRATION_BAD_SIGNATURE' // the issuer's signature does not verify
  | 'REGISTRATION_EXPIRED' // the CWT exp is at or before the time of registration
  | 'REGISTRATION_NOT_YET_VALID' // the CWT nbf is after the time of registration
  // The embedded ledger's own rules, beyond Microsoft's policy (see @countersign/ledger):
  | 'REGISTRATION_UNPROTECTED_HEADER' // the unprotected header holds something other than well-formed receipts
  | 'REGISTRATION_NOT_PREFERRED_ENCODING'; // the COSE_Sign1 envelope is not in CBOR preferred serialization

/**
 * Why a transparency service refuses (or a client, checking first, would see refused) a statement.
 * One class for the whole area: the ledger raises its own extra codes with it, and its HTTP layer
 * picks the status for each code.
 */
export class RegistrationError extends CountersignError<RegistrationErrorCode> {
  readonly area = 'registration';
}
