import { encodeSign1, type Sign1 } from '../cose/sign1.js';
import { sameBytes } from '../merkle/checks.js';
import { MerkleError } from '../merkle/errors.js';
import { leafHash } from '../merkle/hash.js';
import { rootFromConsistencyProof, rootFromInclusionProof } from '../merkle/verify.js';
import { statementEntry } from './entry.js';
import { ReceiptError } from './errors.js';
import {
  checkReceiptHeaders,
  checkReceiptSignature,
  type CheckedHeaders,
  type ReceiptIdentity,
  type ReceiptProfile,
  type ReceiptVerifyOptions,
  type ResolveReceiptKey,
} from './checked-headers.js';
import { RECEIPT_UNDERSTOOD_LABELS, TREE_SIZE_LABEL, VDS_RFC9162_SHA256 } from './constants.js';
import { consistencyProofsOf, decodeReceipt, inclusionProofsOf, type ReceiptInput } from './read.js';

export type { ReceiptVerifyOptions, ResolveReceiptKey } from './checked-headers.js';

export interface VerifiedReceipt extends ReceiptIdentity {
  readonly treeSize: number;
  readonly leafIndex: number;
  /** The root the service signed, recomputed from the statement and the proof. */
  readonly root: Uint8Array;
}

export interface VerifiedConsistencyReceipt extends ReceiptIdentity {
  readonly size1: number;
  readonly size2: number;
  readonly root2: Uint8Array;
}

const VDS1: ReceiptProfile = { vds: VDS_RFC9162_SHA256, understood: RECEIPT_UNDERSTOOD_LABELS };

function checkHeaders(receipt: ReceiptInput, resolveKey: ResolveReceiptKey): CheckedHeaders {
  return checkReceiptHeaders(receipt, resolveKey, VDS1);
}

function badProof(error: unknown): never {
  if (error instanceof MerkleError) throw new ReceiptError('RECEIPT_BAD_PROOF', `receipt proof: ${error.message}`, { cause: error });
  throw error;
}

/** Every proof must lead to the same root: there is one signature, over one root. */
function oneRoot(roots: readonly Uint8Array[]): Uint8Array {
  const root = roots[0]!;
  if (!roots.every((other) => sameBytes(other, root))) throw new ReceiptError('RECEIPT_BAD_PROOF', 'receipt proofs lead to different roots');
  return root;
}


/**
 * Verifies a vds 1 receipt against a log entry (the 32-byte value whose leaf hash is SHA-256(0x00 ||
 * entry)). For a statement use verifyInclusionReceipt, which derives the entry.
 */
export function verifyInclusionReceiptForEntry(
  receipt: ReceiptInput,
  entry: Uint8Array | (() => Uint8Array),
  resolveKey: ResolveReceiptKey,
  options: ReceiptVerifyOptions = {},
): VerifiedReceipt {
  const headers = checkHeaders(receipt, resolveKey);
  const proofs = inclusionProofsOf(headers.message);
  const leaf = leafHash(typeof entry === 'function' ? entry() : entry);
  let root: Uint8Array;
  try {
    root = oneRoot(proofs.map((proof) => rootFromInclusionProof(proof.leafIndex, proof.treeSize, leaf, proof.path)));
  } catch (error) {
    badProof(error);
  }
  const { treeSize, leafIndex } = proofs[0]!;
  checkSignedTreeSize(headers.message, treeSize);
  // A vds 1 receipt does not name its entry: a receipt for another statement and a forged or altered
  // one fail the same way, as a signature that does not cover the root this statement leads to.
  checkReceiptSignature(
    headers,
    root,
    () => `receipt signature does not cover the root that this statement and the proof (leaf ${leafIndex} of ${treeSize}) lead to: the receipt is for another statement, or it was altered`,
    options,
  );
  const { issuer, kid, issuedAt, algorithm } = headers.identity;
  // Named one by one: spreading objects of varying shapes is V8's slow path, and this runs per artifact.
  return { issuer, kid, issuedAt, algorithm, treeSize, leafIndex, root };
}

/** When the service signed its tree size (TREE_SIZE_LABEL), the proof must be against that size. */
function checkSignedTreeSize(message: Sign1, proofSize: number): void {
  const signed = message.protectedHeader.get(TREE_SIZE_LABEL);
  if (signed === undefined) return;
  if (signed !== proofSize) throw new ReceiptError('RECEIPT_BAD_PROOF', `receipt signs tree size ${String(signed)} but its proof is for size ${proofSize}`);
}

/**
 * Verifies a vds 1 inclusion receipt for a signed (or transparent) statement, in this order: tag 18,
 * protected alg and crit, vds 1, the key the kid names, well-formed proofs in 396/-1, then the
 * signature over the root recomputed from leafHash(statementEntry(statement)). Throws a ReceiptError.
 */
export function verifyInclusionReceipt(receipt: ReceiptInput, statement: Uint8Array | Sign1, resolveKey: ResolveReceiptKey, options: ReceiptVerifyOptions = {}): VerifiedReceipt {
  return verifyInclusionReceiptForEntry(receipt, () => statementEntry(statement), resolveKey, options);
}

/**
 * Verifies a vds 1 consistency receipt (396/-2) from a tree whose root the caller already trusts:
 * returns the sizes and the second root the service signed.
 */
export function verifyConsistencyReceipt(receipt: Uint8Array, root1: Uint8Array, resolveKey: ResolveReceiptKey): VerifiedConsistencyReceipt {
  const headers = checkHeaders(receipt, resolveKey);
  const proofs = consistencyProofsOf(headers.message);
  let root2: Uint8Array;
  try {
    root2 = oneRoot(proofs.map((proof) => rootFromConsistencyProof(proof.size1, proof.size2, proof.path, root1)));
  } catch (error) {
    badProof(error);
  }
  const { size1, size2 } = proofs[0]!;
  checkSignedTreeSize(headers.message, size2);
  checkReceiptSignature(headers, root2, `receipt signature does not cover the root the consistency proof from ${size1} to ${size2} leads to: the receipt was altered, or it extends another tree`);
  return { ...headers.identity, size1, size2, root2 };
}

export interface VerifiedTreeHead extends ReceiptIdentity {
  readonly treeSize: number;
  readonly root: Uint8Array;
}

/**
 * Verifies a signed tree head: the batch's COSE_Sign1 with the root attached as payload (the same
 * Sig_structure its receipts are signed over) and the tree size in TREE_SIZE_LABEL.
 */
export function verifyTreeHead(bytes: Uint8Array, resolveKey: ResolveReceiptKey): VerifiedTreeHead {
  const message = decodeReceipt(bytes, true);
  const root = message.payload;
  if (!root || root.length !== 32) throw new ReceiptError('RECEIPT_MALFORMED', 'a tree head carries its 32-byte root as payload');
  // Past the attached root, a tree head is a receipt without proofs: check it as one.
  const headers = checkHeaders(encodeSign1({ ...message, payload: null }), resolveKey);
  const treeSize = headers.message.protectedHeader.get(TREE_SIZE_LABEL);
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 1) {
    throw new ReceiptError('RECEIPT_MALFORMED', 'a tree head signs its tree size (label -65537)');
  }
  checkReceiptSignature(headers, root, 'tree head signature does not verify');
  return { ...headers.identity, treeSize, root };
}
