import { X509Certificate } from 'node:crypto';
import {
  artifactHashAlgorithm,
  expectedArtifactDigest,
  isCountersignError,
  keyIdOf,
  kidText,
  parseSignedStatement,
  readReceiptSummary,
  statementEntry,
  verifyInclusionReceiptForEntry,
  verifyReceipt,
  ReceiptSignatureCache,
  VDS_RFC9162_SHA256,
  type AnyVerifiedReceipt,
  type ResolveReceiptKey,
  toHex,
  type SignedStatement,
} from '@countersign/core';
import { sequenceNumberOf } from '../transparency/entry-listing.js';
import type { EntryLog } from './entry-log.js';

/** The service whose receipts an entry must carry, with its pinned keys. */
export interface ReceiptCheck {
  issuer: string;
  resolveKey: ResolveReceiptKey;
  /** Receipts of one batch share a signature: a run checks each one once. */
  signatureCache: ReceiptSignatureCache;
}

export type ReceiptOutcome =
  | { verified: true; vds: number; registeredAt?: string; treeSize?: number; root?: string }
  | { verified: false; reason: string };

/** One registered entry as the monitor and the listing see it. */
export interface EntryFacts {
  entryId: string;
  issuer: string;
  subject: string;
  /** The artifact's digest, ALG:HEX, as a lockfile keys it. */
  digest: string;
  /** SHA-256 of the statement with its unprotected header emptied (a lockfile's statementHash). */
  statementHash: string;
  statement: SignedStatement;
  /** The service's receipt, verified against its pinned keys; undefined when no keys were given. */
  receipt?: ReceiptOutcome;
}

/** Fetches an entry, reads its statement and, given the service's keys, verifies the receipt is this entry's. */
export async function readEntry(log: EntryLog, entryId: string, check?: ReceiptCheck): Promise<EntryFacts> {
  const statement = parseSignedStatement(await log.transparentStatement(entryId));
  const algorithm = artifactHashAlgorithm(statement.payload);
  const entry = statementEntry(statement.message);
  return {
    entryId,
    issuer: statement.claims.iss,
    subject: statement.claims.sub,
    digest: `${algorithm.name}:${toHex(expectedArtifactDigest(statement.payload))}`,
    statementHash: toHex(entry),
    statement,
    ...(check ? { receipt: checkReceipt(entryId, statement, entry, check) } : {}),
  };
}

/**
 * The entry's receipt from this service must verify with a pinned key and be for this very entry:
 * a vds 1 receipt's leaf index is the embedded ledger's entry id, a vds 2 receipt names its
 * registration transaction. Receipts from other services are not this service's to answer for.
 */
function checkReceipt(entryId: string, statement: SignedStatement, entry: Uint8Array, check: ReceiptCheck): ReceiptOutcome {
  const problems: string[] = [];
  for (const receipt of statement.receipts) {
    let summary;
    try {
      summary = readReceiptSummary(receipt);
    } catch (error) {
      if (!isCountersignError(error)) throw error;
      problems.push(error.message);
      continue;
    }
    if (summary.issuer !== undefined && summary.issuer !== check.issuer) continue;
    try {
      const options = { signatureCache: check.signatureCache };
      // vds 1 proves the statement's entry, which readEntry hashed already for the statement hash.
      const verified: AnyVerifiedReceipt =
        summary.vds === VDS_RFC9162_SHA256
          ? { vds: VDS_RFC9162_SHA256 as typeof VDS_RFC9162_SHA256, ...verifyInclusionReceiptForEntry(receipt, entry, check.resolveKey, options) }
          : verifyReceipt(receipt, statement.message, check.resolveKey, options);
      const registeredAt = verified.issuedAt === undefined ? undefined : new Date(verified.issuedAt * 1000).toISOString();
      if (verified.vds === 1) {
        const seqno = sequenceNumberOf(entryId);
        if (/^[0-9]+$/.test(entryId) && seqno !== verified.leafIndex) {
          problems.push(`the receipt proves leaf ${verified.leafIndex}, not entry ${entryId}`);
          continue;
        }
        return { verified: true, vds: 1, registeredAt, treeSize: verified.treeSize, root: toHex(verified.root) };
      }
      if (verified.entryId !== undefined && verified.entryId !== entryId) {
        problems.push(`the receipt registers transaction ${verified.entryId}, not entry ${entryId}`);
        continue;
      }
      return { verified: true, vds: verified.vds, registeredAt };
    } catch (error) {
      if (!isCountersignError(error)) throw error;
      problems.push(error.message);
    }
  }
  if (statement.receipts.length === 0) return { verified: false, reason: 'the service served it without a receipt' };
  return { verified: false, reason: problems.length ? `its receipt does not verify: ${problems.join('; ')}` : `it carries no receipt from ${check.issuer}` };
}

/** Every id a statement's signing key goes by: the kid as text and as hex, and the x5chain leaf's key id (hex SPKI SHA-256). */
export function keyIdsOf(statement: SignedStatement): string[] {
  const ids: string[] = [];
  if (statement.kid) ids.push(kidText(statement.kid), toHex(statement.kid));
  const leaf = statement.x5chain?.[0];
  if (leaf) {
    try {
      ids.push(keyIdOf(new X509Certificate(leaf).publicKey));
    } catch {
      // an unreadable leaf has no key id; the statement is still matched by issuer or kid
    }
  }
  return [...new Set(ids)];
}

/** The key id a listing shows: the kid, else the leaf certificate's key id. */
export function primaryKeyId(statement: SignedStatement): string | undefined {
  return keyIdsOf(statement)[0];
}
