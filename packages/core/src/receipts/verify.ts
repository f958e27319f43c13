import type { KeyObject } from 'node:crypto';
import type { SignatureAlgorithm, SignatureAlgorithmName } from '../cose/algorithms.js';
import { CoseError } from '../cose/errors.js';
import { encodeSign1, sigStructure, verifyWithKey, type Sign1 } from '../cose/sign1.js';
import { sameBytes } from '../merkle/checks.js';
import { MerkleError } from '../merkle/errors.js';
import { leafHash } from '../merkle/hash.js';
import { rootFromConsistencyProof, rootFromInclusionProof } from '../merkle/verify.js';
import { TREE_SIZE_LABEL } from './constants.js';
import { statementEntry } from './entry.js';
import { ReceiptError } from './errors.js';
import { checkVds, consistencyProofsOf, decodeReceipt, inclusionProofsOf, kidText, receiptAlgorithm, receiptClaims, receiptKid } from './read.js';

/**
 * Finds the service key a receipt names: its kid bytes and, when the receipt has one, its CWT iss.
 * Returns undefined when nothing trusted matches.
 */
export type ResolveReceiptKey = (kid: Uint8Array, issuer?: string) => KeyObject | undefined;

interface ReceiptIdentity {
  readonly issuer?: string;
  /** The kid as text when printable ASCII (as countersign and Microsoft write it), else hex. */
  readonly kid: string;
  readonly issuedAt?: number;
  readonly algorithm: SignatureAlgorithmName;
}

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

interface CheckedHeaders {
  readonly message: Sign1;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
  readonly identity: ReceiptIdentity;
}

/** Tag, algorithm, vds 1, claims, then the key the kid names: everything before the proof. */
function checkHeaders(bytes: Uint8Array, resolveKey: ResolveReceiptKey): CheckedHeaders {
  const message = decodeReceipt(bytes, true);
  const algorithm = receiptAlgorithm(message);
  checkVds(message);
  const { issuer, issuedAt } = receiptClaims(message, true);
  const kidBytes = receiptKid(message);
  if (!kidBytes) throw new ReceiptError('RECEIPT_UNKNOWN_KEY', 'receipt names no kid, so no service key can be chosen');
  const kid = kidText(kidBytes);
  const key = resolveKey(kidBytes, issuer);
  if (!key) throw new ReceiptError('RECEIPT_UNKNOWN_KEY', `no trusted service key has kid "${kid}"${issuer ? ` (issuer ${issuer})` : ''}`);
  return { message, algorithm, key, identity: { issuer, kid, issuedAt, algorithm: algorithm.name } };
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

function checkSignature(headers: CheckedHeaders, root: Uint8Array, mismatch: string): void {
  const { message, algorithm, key } = headers;
  let valid: boolean;
  try {
    valid = verifyWithKey(algorithm, key, sigStructure(message.protectedBytes, root), message.signature);
  } catch (error) {
    if (error instanceof CoseError) throw new ReceiptError('RECEIPT_KEY_MISMATCH', `receipt key for kid "${headers.identity.kid}": ${error.message}`, { cause: error });
    throw error;
  }
  if (!valid) throw new ReceiptError('RECEIPT_BAD_SIGNATURE', mismatch);
}

/**
 * Verifies a vds 1 receipt against a log entry (the 32-byte value whose leaf hash is SHA-256(0x00 ||
 * entry)). For a statement use verifyInclusionReceipt, which derives the entry.
 */
export function verifyInclusionReceiptForEntry(receipt: Uint8Array, entry: Uint8Array | (() => Uint8Array), resolveKey: ResolveReceiptKey): VerifiedReceipt {
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
  checkSignature(
    headers,
    root,
    `receipt signature does not cover the root that this statement and the proof (leaf ${leafIndex} of ${treeSize}) lead to: the receipt is for another statement, or it was altered`,
  );
  return { ...headers.identity, treeSize, leafIndex, root };
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
export function verifyInclusionReceipt(receipt: Uint8Array, statement: Uint8Array | Sign1, resolveKey: ResolveReceiptKey): VerifiedReceipt {
  return verifyInclusionReceiptForEntry(receipt, () => statementEntry(statement), resolveKey);
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
  checkSignature(headers, root2, `receipt signature does not cover the root the consistency proof from ${size1} to ${size2} leads to: the receipt was altered, or it extends another tree`);
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
  checkSignature(headers, root, 'tree head signature does not verify');
  return { ...headers.identity, treeSize, root };
}
