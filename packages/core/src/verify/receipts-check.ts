import type { Sign1 } from '../cose/sign1.js';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyIdOf } from '../cose/keys.js';
import { isCountersignError } from '../errors.js';
import { readReceiptSummary, verifyReceipt, type VerifiedReceipt } from '../receipts/index.js';
import type { ServiceRule, TrustPolicy } from '../trust/policy.js';

/** What the receipts of one statement establish under a policy. */
/** A receipt that verified, with the service's id for the entry whatever the vds. */
export type CountedReceipt = Pick<VerifiedReceipt, 'issuer' | 'kid' | 'issuedAt'> & { entryId: string };

export interface ReceiptsOutcome {
  verified: CountedReceipt[];
  /** One line per receipt that did not count, and why. */
  problems: string[];
  /** Receipts that break the policy (a listed service's receipt that fails, an unlisted one not ignored). */
  failed: number;
  ignored: number;
}

// Service keys are imported once per policy object, like issuer keys.
const serviceKeys = new WeakMap<ServiceRule, Map<string, KeyObject>>();

function keysOf(service: ServiceRule): Map<string, KeyObject> {
  let keys = serviceKeys.get(service);
  if (!keys) {
    keys = new Map();
    for (const jwk of service.jwks.keys) {
      try {
        const key = createPublicKey({ key: jwk, format: 'jwk' });
        keys.set(keyIdOf(key), key);
        if (typeof jwk.kid === 'string') keys.set(jwk.kid, key);
      } catch {
        // A key the policy cannot load never verifies anything; the receipt then reports an unknown kid.
      }
    }
    serviceKeys.set(service, keys);
  }
  return keys;
}

function kidText(kid: Uint8Array): string[] {
  const bytes = Buffer.from(kid.buffer, kid.byteOffset, kid.byteLength);
  return [bytes.toString('utf8'), bytes.toString('hex')];
}

/**
 * Verifies each receipt (vds 1, or vds 2 as Microsoft's service issues them) against the policy's
 * services; a receipt counts only if its service is listed and it verifies. Unsupported vds never count.
 */
export function checkReceipts(receipts: readonly Uint8Array[], statement: Uint8Array | Sign1, policy: TrustPolicy): ReceiptsOutcome {
  const outcome: ReceiptsOutcome = { verified: [], problems: [], failed: 0, ignored: 0 };
  receipts.forEach((receipt, position) => {
    const label = `receipt ${position + 1}`;
    let issuer: string | undefined;
    try {
      issuer = readReceiptSummary(receipt).issuer;
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
    try {
      const keys = keysOf(service);
      const resolveKey = (kid: Uint8Array): KeyObject | undefined => kidText(kid).map((text) => keys.get(text)).find(Boolean);
      const verified = verifyReceipt(receipt, statement, resolveKey);
      const entryId = verified.vds === 1 ? String(verified.leafIndex) : (verified.entryId ?? verified.signatureTransaction ?? '');
      outcome.verified.push({ issuer: verified.issuer, kid: verified.kid, issuedAt: verified.issuedAt, entryId });
    } catch (error) {
      if (!isCountersignError(error)) throw error;
      if (policy.receipts.requireAllListed) outcome.failed++;
      outcome.problems.push(`${label} from ${service.iss}: ${error.message}`);
    }
  });
  return outcome;
}
