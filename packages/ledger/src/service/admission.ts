import { admitStatement, RegistrationError, type RegistrationErrorCode, type RegistrationPolicy } from '@countersign/core';
import { assertPreferredEnvelope } from './envelope-encoding.js';
import { storedForm } from './stored-statement.js';
import { admitUnprotectedHeader } from './unprotected-admission.js';

/** What the store is given for an admitted statement: the bytes its entry covers, and that entry. */
export interface Admitted {
  bytes: Uint8Array;
  entry: Uint8Array;
}

/**
 * Everything the ledger checks and computes per statement before it reaches the store: the
 * registration policy (decode, did:x509 or trust policy, signature), this ledger's own rules, and
 * the stored form with its entry. Pure, so it runs the same on any thread.
 */
export function admitForLedger(statement: Uint8Array, policy: RegistrationPolicy, now: Date): Admitted {
  const admitted = admitStatement(statement, policy, now);
  // Rules of this ledger only, not of Microsoft's (which makes an entry per submission, so has no
  // need of them): they keep what a submitter can vary without the issuer's key out of the entry.
  assertPreferredEnvelope(admitted.message);
  admitUnprotectedHeader(admitted);
  return storedForm(admitted.message);
}

/** A refusal as it crosses threads: a RegistrationError keeps its code, anything else is the server's fault. */
export type AdmissionFailure = { refused: RegistrationErrorCode; message: string } | { internal: string };

export function admissionFailure(error: unknown): AdmissionFailure {
  if (error instanceof RegistrationError) return { refused: error.code, message: error.message };
  return { internal: error instanceof Error ? error.message : String(error) };
}

export function failureError(failure: AdmissionFailure): Error {
  if ('refused' in failure) return new RegistrationError(failure.refused, failure.message);
  return new Error(`admission thread: ${failure.internal}`);
}
