import type { Sign1 } from '../cose/sign1.js';
import { isCountersignError } from '../errors.js';
import { jwksKeyResolver, verifyReceipt, type ReceiptVerifyOptions, type VerifiedReceipt } from '../receipts/index.js';
import { decodeReceipt, receiptClaims } from '../receipts/read.js';
import type { ServiceRule, TrustPolicy } from '../trust/policy.js';

/** A receipt that verified, with the service's id for the entry whatever the vds. */
export type CountedReceipt = Pick<VerifiedReceipt, 'issuer' | 'kid' | 'issuedAt'> & { entryId: string };

/** What the receipts of one statement establish under a policy. */
export interface ReceiptsOutcome {
  /** Every receipt that verified, repeats included (their registration times are all genuine). */
  verified: CountedReceipt[];
  /** The first verified receipt of each listed service: what counts toward the policy's minimum. */
  counted: CountedReceipt[];
  /** One line per receipt that did not count, and why. */
  problems: string[];
  /** One line per verified receipt from a service that already counted. */
  repeats: string[];
  /** Receipts that break the policy (a listed service's receipt that fails, an unlisted one not ignored). */
  failed: number;
  ignored: number;
}

/**
 * Verifies each receipt (vds 1, or vds 2 as Microsoft's service issues them) against the policy's
 * services; a receipt counts only if its service is listed and it verifies, and each service counts
 * once however many receipts it gave (the same one repeated, re-encoded, or another entry): a
 * minimum of two means two services. Unsupported vds never count.
 */
export function checkReceipts(receipts: readonly Uint8Array[], statement: Uint8Array | Sign1, policy: TrustPolicy, options: ReceiptVerifyOptions = {}): ReceiptsOutcome {
  const outcome: ReceiptsOutcome = { verified: [], counted: [], problems: [], repeats: [], failed: 0, ignored: 0 };
  if (receipts.length === 0) return outcome;
  const countedFrom = new Map<ServiceRule, number>();
  receipts.forEach((receipt, position) => {
    const label = `receipt ${position + 1}`;
    let issuer: string | undefined;
    let message: Sign1;
    try {
      // Decoded once here; the checks below read the same message.
      message = decodeReceipt(receipt, false);
      issuer = receiptClaims(message, false).issuer;
    } catch (error) {
      if (!isCountersignError(error)) throw error;
      outcome.failed++;
      outcome.problems.push(`${label}: ${error.message}`);
      return;
    }
    const service = policy.services.find((candidate) => candidate.iss === issuer);
    if (!service) {
      if (policy.receipts.ignoreUnlisted) {
        outcome.ignored++;
        return;
      }
      outcome.failed++;
      outcome.problems.push(`${label}: service ${issuer ?? '(no issuer)'} is not in the trust policy`);
      return;
    }
    let counted: CountedReceipt;
    try {
      const verified = verifyReceipt(message, statement, jwksKeyResolver(service.jwks), options);
      const entryId = verified.vds === 1 ? String(verified.leafIndex) : (verified.entryId ?? verified.signatureTransaction ?? '');
      counted = { issuer: verified.issuer, kid: verified.kid, issuedAt: verified.issuedAt, entryId };
    } catch (error) {
      if (!isCountersignError(error)) throw error;
      if (policy.receipts.requireAllListed) outcome.failed++;
      outcome.problems.push(`${label} from ${service.iss}: ${error.message}`);
      return;
    }
    outcome.verified.push(counted);
    const first = countedFrom.get(service);
    if (first === undefined) {
      countedFrom.set(service, position);
      outcome.counted.push(counted);
    } else {
      outcome.repeats.push(`${label} is another receipt from ${service.iss} (as receipt ${first + 1}), not counted again`);
    }
  });
  return outcome;
}
