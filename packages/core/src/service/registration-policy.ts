import type { KeyObject } from 'node:crypto';
import { isCountersignError } from '../errors.js';
import { StatementError } from '../statement/errors.js';
import { parseSignedStatement, verifyStatementSignature, type SignedStatement } from '../statement/signed-statement.js';
import { checkStatementValidAt } from '../statement/validity-period.js';
import type { TrustPolicy } from '../trust/policy.js';
import { issuerKey } from '../verify/issuer-key.js';
import { parseCertificate } from '../x509/certificate.js';
import { resolveDidX509 } from '../x509/did-x509.js';
import { RegistrationError } from './registration-error.js';

export const DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024;

export interface RegistrationPolicy {
  maxStatementBytes: number;
  /** When set, only its issuers may register, with the keys or did:x509 rules it gives. */
  trust?: TrustPolicy;
}

function malformed(error: unknown): never {
  if (isCountersignError(error)) throw new RegistrationError('REGISTRATION_MALFORMED', error.message);
  throw error;
}

/** The key the statement must verify with, as the policy (or, without one, the statement's own x5chain) says. */
function registrationKey(statement: SignedStatement, policy: RegistrationPolicy, now: Date): KeyObject {
  const { iss } = statement.claims;
  if (policy.trust) {
    const rule = policy.trust.issuers.find((candidate) => candidate.iss === iss);
    if (!rule) throw new RegistrationError('REGISTRATION_UNTRUSTED', `issuer ${iss} may not register with this service`);
    const key = issuerKey(statement, rule, now);
    if (!key.ok) throw new RegistrationError('REGISTRATION_UNTRUSTED', key.reason);
    return key.publicKey;
  }
  if (!statement.x5chain) {
    throw new RegistrationError('REGISTRATION_UNTRUSTED', 'a statement with only a kid cannot be verified by a service without a trust policy: sign it with an x5chain');
  }
  try {
    if (iss.startsWith('did:x509:')) return resolveDidX509(iss, [...statement.x5chain], now).publicKey;
    return parseCertificate(statement.x5chain[0] as Uint8Array).publicKey;
  } catch (error) {
    if (isCountersignError(error)) throw new RegistrationError('REGISTRATION_UNTRUSTED', error.message);
    throw error;
  }
}

/**
 * A statement is registered only within its own validity period (CWT nbf and exp). It is judged at
 * whole seconds, as the receipt's iat is, so that verify, judging at that iat, reaches the same answer.
 */
function admitValidityPeriod(statement: SignedStatement, now: Date): void {
  try {
    checkStatementValidAt(statement.claims, new Date(Math.floor(now.getTime() / 1000) * 1000));
  } catch (error) {
    if (error instanceof StatementError && error.code === 'STATEMENT_EXPIRED') throw new RegistrationError('REGISTRATION_EXPIRED', error.message);
    if (error instanceof StatementError && error.code === 'STATEMENT_NOT_YET_VALID') throw new RegistrationError('REGISTRATION_NOT_YET_VALID', error.message);
    throw error;
  }
}

/**
 * Applies the registration policy Microsoft's service applies, so that what the embedded ledger
 * accepts, and what a client checks before sending, Microsoft's would accept too: a tagged COSE_Sign1 within the size limit, CWT iss and sub, a
 * payload that is neither nil nor empty, only understood crit labels, a signature that verifies, and
 * (countersign's own rule) a CWT nbf and exp that admit the time of registration.
 */
export function admitStatement(bytes: Uint8Array, policy: RegistrationPolicy, now = new Date()): SignedStatement {
  if (bytes.length > policy.maxStatementBytes) {
    throw new RegistrationError('REGISTRATION_TOO_LARGE', `statement of ${bytes.length} bytes is over the ${policy.maxStatementBytes}-byte limit`);
  }
  let statement: SignedStatement;
  try {
    statement = parseSignedStatement(bytes, { maxInputSize: policy.maxStatementBytes });
    if (!statement.message.tagged) throw new RegistrationError('REGISTRATION_MALFORMED', 'COSE_Sign1 must carry tag 18');
  } catch (error) {
    malformed(error);
  }
  admitValidityPeriod(statement, now);
  const key = registrationKey(statement, policy, now);
  try {
    verifyStatementSignature(statement, key);
  } catch (error) {
    if (isCountersignError(error)) throw new RegistrationError('REGISTRATION_BAD_SIGNATURE', error.message);
    throw error;
  }
  return statement;
}
