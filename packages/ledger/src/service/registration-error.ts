import { CountersignError } from '@countersign/core';

export type RegistrationErrorCode =
  | 'REGISTRATION_TOO_LARGE' // over the service's statement size limit
  | 'REGISTRATION_MALFORMED' // not a tagged COSE_Sign1 signed statement the service accepts
  | 'REGISTRATION_UNTRUSTED' // the issuer is not allowed, or no key can be found for it
  | 'REGISTRATION_BAD_SIGNATURE' // the issuer's signature does not verify
  | 'REGISTRATION_UNPROTECTED_HEADER' // the unprotected header holds something other than well-formed receipts
  | 'REGISTRATION_NOT_PREFERRED_ENCODING' // the COSE_Sign1 envelope is not in CBOR preferred serialization
  | 'REGISTRATION_EXPIRED' // the CWT exp is at or before the time of registration
  | 'REGISTRATION_NOT_YET_VALID'; // the CWT nbf is after the time of registration

const STATUS: Record<RegistrationErrorCode, number> = {
  REGISTRATION_TOO_LARGE: 413,
  REGISTRATION_MALFORMED: 400,
  REGISTRATION_UNTRUSTED: 403,
  REGISTRATION_BAD_SIGNATURE: 400,
  REGISTRATION_UNPROTECTED_HEADER: 400,
  REGISTRATION_NOT_PREFERRED_ENCODING: 400,
  REGISTRATION_EXPIRED: 400,
  REGISTRATION_NOT_YET_VALID: 400,
};

/** Why a statement was refused; the HTTP layer answers it as concise problem details. */
export class RegistrationError extends CountersignError<RegistrationErrorCode> {
  readonly area = 'registration';

  get httpStatus(): number {
    return STATUS[this.code];
  }
}
