import type { CwtClaims } from './cwt-claims.js';
import { StatementError } from './errors.js';

/** A NumericDate for messages; values beyond what Date can show are given in seconds. */
export function formatNumericDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} s after the epoch` : date.toISOString();
}

/**
 * The statement's own validity period (CWT nbf and exp, RFC 8392) must admit `at`: it is not valid
 * before nbf, and expired from exp on. Both the ledger's admission (at registration) and verify (at
 * the registration time a receipt gives) apply this one rule, so they never disagree.
 */
export function checkStatementValidAt(claims: Pick<CwtClaims, 'nbf' | 'exp'>, at: Date): void {
  const seconds = at.getTime() / 1000;
  if (claims.nbf !== undefined && seconds < claims.nbf) {
    throw new StatementError('STATEMENT_NOT_YET_VALID', `statement is not valid before ${formatNumericDate(claims.nbf)} (CWT nbf), judged at ${at.toISOString()}`);
  }
  if (claims.exp !== undefined && seconds >= claims.exp) {
    throw new StatementError('STATEMENT_EXPIRED', `statement expired at ${formatNumericDate(claims.exp)} (CWT exp), judged at ${at.toISOString()}`);
  }
}
