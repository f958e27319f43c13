import { isCountersignError, toHex, verifyConsistencyReceipt, verifyTreeHead, type ResolveReceiptKey } from '@countersign/core';
import type { EntryLog } from './entry-log.js';

export interface TreeHead {
  treeSize: number;
  rootHash: string;
}

/** The verified current head (none for services without vds 1 tree heads), or why the log cannot be trusted. */
export type HeadOutcome = { head?: TreeHead; inconsistency?: undefined } | { head?: undefined; inconsistency: string };

/** A receipt or proof that does not verify says the log is not what was seen before; anything else (network, TLS) is thrown. */
function verificationFailure(error: unknown): string {
  if (isCountersignError(error) && (error.area === 'receipt' || error.area === 'merkle' || error.area === 'cose' || error.area === 'cbor')) return error.message;
  throw error;
}

/**
 * The service's current signed tree head, verified with its pinned keys and, when a head was saved
 * by an earlier run, proved to extend it: a tree that shrank, a different root at the saved size, or
 * a consistency proof that fails is a rewritten or forked log. The consistency proof goes to the
 * service's latest head, which may be newer than the one just read: its signed root is then the
 * head kept. Services without tree heads (CCF) answer 404, which is fine until a head was saved.
 */
export async function currentTreeHead(log: EntryLog, resolveKey: ResolveReceiptKey, serviceIssuer: string, saved: TreeHead | undefined): Promise<HeadOutcome> {
  let bytes: Uint8Array;
  try {
    bytes = await log.treeHead();
  } catch (error) {
    if (!isCountersignError(error) || error.code !== 'TS_NOT_FOUND') throw error;
    if (!saved) return {};
    return { inconsistency: `the service no longer serves a signed tree head, though an earlier run verified one of size ${saved.treeSize}` };
  }
  let head: TreeHead;
  try {
    const verified = verifyTreeHead(bytes, resolveKey);
    if (verified.issuer !== undefined && verified.issuer !== serviceIssuer) return { inconsistency: `the tree head is signed as ${verified.issuer}, not as ${serviceIssuer}` };
    head = { treeSize: verified.treeSize, rootHash: toHex(verified.root) };
  } catch (error) {
    return { inconsistency: `the tree head does not verify with the pinned service keys: ${verificationFailure(error)}` };
  }
  if (!saved) return { head };
  if (head.treeSize < saved.treeSize) return { inconsistency: `the tree shrank from ${saved.treeSize} entries, verified on an earlier run, to ${head.treeSize}: the log was rewritten` };
  if (head.treeSize === saved.treeSize) {
    if (head.rootHash === saved.rootHash) return { head };
    return { inconsistency: `the tree of size ${head.treeSize} has root ${head.rootHash.slice(0, 16)}... now, ${saved.rootHash.slice(0, 16)}... when an earlier run verified it: the log was rewritten or forked` };
  }
  let proofBytes: Uint8Array;
  try {
    proofBytes = await log.consistency(saved.treeSize);
  } catch (error) {
    if (!isCountersignError(error) || (error.code !== 'TS_NOT_FOUND' && error.code !== 'TS_REFUSED')) throw error;
    return { inconsistency: `the service gives no consistency proof from size ${saved.treeSize}: ${error.message}` };
  }
  try {
    const proof = verifyConsistencyReceipt(proofBytes, Buffer.from(saved.rootHash, 'hex'), resolveKey);
    if (proof.size1 !== saved.treeSize) return { inconsistency: `the consistency proof starts at size ${proof.size1}, not at the saved ${saved.treeSize}` };
    const latest = { treeSize: proof.size2, rootHash: toHex(proof.root2) };
    if (latest.treeSize < head.treeSize) return { inconsistency: `the consistency proof ends at size ${latest.treeSize}, before the tree head of size ${head.treeSize}` };
    if (latest.treeSize === head.treeSize && latest.rootHash !== head.rootHash) return { inconsistency: `the consistency proof and the tree head give two roots for size ${head.treeSize}: the service signed two trees` };
    return { head: latest.treeSize > head.treeSize ? latest : head };
  } catch (error) {
    return { inconsistency: `the tree of size ${head.treeSize} does not extend the tree of size ${saved.treeSize} an earlier run verified (a fork or a rewrite): ${verificationFailure(error)}` };
  }
}
