import { createHash } from 'node:crypto';
import { decode, encode, type CborMap, type CborValue, type DecodeLimits } from '../cbor/index.js';
import { COSE_UNDERSTOOD_LABELS, HeaderLabel } from '../cose/headers.js';
import type { Sign1 } from '../cose/sign1.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { MAX_PATH_LENGTH, MAX_PROOFS, VdpKey } from './constants.js';
import { ReceiptError } from './errors.js';
import { decodeReceipt } from './read.js';

/**
 * Verifiable data structure 2 (RFC 9942 registry; draft-ietf-scitt-receipts-ccf-profile): the
 * Merkle tree of a CCF ledger, as Microsoft Signing Transparency and Azure Code Transparency sign it.
 */
export const VDS_CCF_LEDGER_SHA256 = 2;

/** Keys of a CCF inclusion proof map: `{1: leaf, 2: path}`. */
export const CcfProofKey = Object.freeze({ leaf: 1, path: 2 } as const);

/**
 * The text label of the protected header map CCF adds to its receipts, `{"txid": "<view>.<seqno>"}`:
 * the signature transaction whose root the receipt's signature covers (the registration itself is
 * the transaction named by the leaf's evidence, one or more seqnos earlier).
 */
export const CCF_HEADER_LABEL = 'ccf.v1';

/** CWT sub Microsoft's services put in every receipt. */
export const CCF_RECEIPT_SUBJECT = 'scitt.ccf.signature.v1';

/** The profile's CDDL bounds the internal evidence: `tstr .size (1..1024)`. */
export const MAX_CCF_EVIDENCE_LENGTH = 1024;

/** Labels a vds 2 receipt's `crit` may name. */
export const CCF_RECEIPT_UNDERSTOOD_LABELS: ReadonlySet<CborValue> = new Set<CborValue>([...COSE_UNDERSTOOD_LABELS, HeaderLabel.verifiableDataStructure]);

/**
 * One proof is a map, a three-item leaf and at most MAX_PATH_LENGTH pairs: a few KB and a few
 * hundred items at most, three levels deep. Strings longer than the evidence bound cannot be valid.
 */
const CCF_PROOF_LIMITS: Partial<DecodeLimits> = { maxInputSize: 8 * 1024, maxDepth: 4, maxItems: 512, maxStringLength: MAX_CCF_EVIDENCE_LENGTH };

export interface CcfLeaf {
  /** SHA-256 of the transaction's write set (CCF's write_set_digest). */
  readonly internalTransactionHash: Uint8Array;
  /** CCF's commit evidence, `ce:<view>.<seqno>:<hex>`: names the registration transaction. */
  readonly internalEvidence: string;
  /** What the service registered: SHA-256 of the statement with its unprotected header emptied. */
  readonly dataHash: Uint8Array;
}

export interface CcfPathElement {
  /** The sibling sits on the left: the parent is SHA-256(hash || acc); otherwise SHA-256(acc || hash). */
  readonly left: boolean;
  readonly hash: Uint8Array;
}

export interface CcfInclusionProof {
  readonly leaf: CcfLeaf;
  /** Siblings from the leaf up to the root. */
  readonly path: readonly CcfPathElement[];
}

function malformed(reason: string, cause?: unknown): ReceiptError {
  return new ReceiptError('RECEIPT_MALFORMED', reason, cause === undefined ? undefined : { cause });
}

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

const utf8 = new TextEncoder();

/** SHA-256(internal transaction hash || SHA-256(evidence, UTF-8) || data hash): no domain prefix. */
export function ccfLeafHash(leaf: CcfLeaf): Uint8Array {
  return sha256(leaf.internalTransactionHash, sha256(utf8.encode(leaf.internalEvidence)), leaf.dataHash);
}

/** Folds the path over the leaf hash: `left ? SHA-256(hash || acc) : SHA-256(acc || hash)`, no 0x01 prefix. */
export function ccfRootFromProof(proof: CcfInclusionProof): Uint8Array {
  let acc = ccfLeafHash(proof.leaf);
  for (const { left, hash } of proof.path) acc = left ? sha256(hash, acc) : sha256(acc, hash);
  return acc;
}

const EVIDENCE = /^ce:(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,19}):[0-9a-f]{64}$/;

/**
 * The registration transaction `<view>.<seqno>` named by CCF commit evidence `ce:<view>.<seqno>:<64
 * hex>` (the id the service serves the entry under, /entries/<view>.<seqno>), or undefined for
 * evidence of another form. The evidence is hashed into the leaf, so its form does not affect
 * verification; it is only read for the id.
 */
export function ccfEntryId(evidence: string): string | undefined {
  const match = EVIDENCE.exec(evidence);
  return match ? `${match[1]!}.${match[2]!}` : undefined;
}

function hash32(value: CborValue, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) throw malformed(`${what} is not a ${HASH_SIZE}-byte string`);
  return value;
}

function leafOf(value: CborValue, name: string): CcfLeaf {
  if (!Array.isArray(value) || value.length !== 3) throw malformed(`${name} leaf is not [transaction hash, evidence, data hash]`);
  const [transactionHash, evidence, dataHash] = value;
  if (typeof evidence !== 'string') throw malformed(`${name} evidence is not text`);
  const evidenceLength = utf8.encode(evidence).length;
  if (evidenceLength < 1 || evidenceLength > MAX_CCF_EVIDENCE_LENGTH) throw malformed(`${name} evidence is ${evidenceLength} bytes, not 1 to ${MAX_CCF_EVIDENCE_LENGTH}`);
  return {
    internalTransactionHash: hash32(transactionHash, `${name} internal transaction hash`),
    internalEvidence: evidence,
    dataHash: hash32(dataHash, `${name} data hash`),
  };
}

function pathOf(value: CborValue, name: string): CcfPathElement[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PATH_LENGTH) {
    throw malformed(`${name} path is not an array of 1 to ${MAX_PATH_LENGTH} [left, hash] pairs`);
  }
  return value.map((element, i) => {
    if (!Array.isArray(element) || element.length !== 2) throw malformed(`${name} path element ${i} is not [left, hash]`);
    const [left, hash] = element;
    if (typeof left !== 'boolean') throw malformed(`${name} path element ${i}: left is not a boolean`);
    return { left, hash: hash32(hash, `${name} path element ${i} hash`) };
  });
}

/** Decodes one bstr-wrapped `{1: leaf, 2: path}`; any other key, type or size is RECEIPT_MALFORMED. */
export function decodeCcfInclusionProof(bytes: Uint8Array, name = 'CCF inclusion proof'): CcfInclusionProof {
  let decoded: CborValue;
  try {
    decoded = decode(bytes, CCF_PROOF_LIMITS);
  } catch (error) {
    throw malformed(`${name} does not decode: ${(error as Error).message}`, error);
  }
  if (!(decoded instanceof Map)) throw malformed(`${name} is not a map {1: leaf, 2: path}`);
  for (const key of decoded.keys()) {
    if (key !== CcfProofKey.leaf && key !== CcfProofKey.path) throw malformed(`${name} has key ${String(key)}; only 1 (leaf) and 2 (path) are defined`);
  }
  const leaf = decoded.get(CcfProofKey.leaf);
  const path = decoded.get(CcfProofKey.path);
  if (leaf === undefined) throw malformed(`${name} has no leaf (key 1)`);
  if (path === undefined) throw malformed(`${name} has no path (key 2)`);
  return { leaf: leafOf(leaf, name), path: pathOf(path, name) };
}

/** The inclusion proofs under 396 / -1 of a decoded receipt: 1 to MAX_PROOFS bstr-wrapped proofs. */
export function ccfInclusionProofsOf(message: Sign1): CcfInclusionProof[] {
  const vdp = message.unprotectedHeader.get(HeaderLabel.verifiableDataProofs);
  if (vdp === undefined) throw malformed('receipt has no verifiable data proofs (unprotected label 396)');
  if (!(vdp instanceof Map)) throw malformed('verifiable data proofs (label 396) are not a map');
  const list = (vdp as CborMap).get(VdpKey.inclusion);
  if (list === undefined) throw malformed(`receipt has no inclusion proof (label 396, key ${VdpKey.inclusion})`);
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PROOFS) {
    throw malformed(`inclusion proofs (label 396, key ${VdpKey.inclusion}) are not an array of 1 to ${MAX_PROOFS} proofs`);
  }
  return list.map((item, i) => {
    const name = `CCF inclusion proof ${i}`;
    if (!(item instanceof Uint8Array)) throw malformed(`${name} is not bstr-wrapped CBOR`);
    return decodeCcfInclusionProof(item, name);
  });
}

/** The CCF inclusion proofs a receipt carries, unverified. */
export function readCcfInclusionProofs(receipt: Uint8Array): CcfInclusionProof[] {
  return ccfInclusionProofsOf(decodeReceipt(receipt, false));
}

function checkProof(proof: CcfInclusionProof): void {
  const name = 'CCF inclusion proof';
  const { leaf } = proof;
  leafOf([leaf.internalTransactionHash, leaf.internalEvidence, leaf.dataHash], name);
  pathOf(
    proof.path.map((element) => [element.left, element.hash]),
    name,
  );
}

/** `{1: [transaction hash, evidence, data hash], 2: [[left, hash], ...]}` as CBOR, checked like a decoded one. */
export function encodeCcfInclusionProof(proof: CcfInclusionProof): Uint8Array {
  checkProof(proof);
  const { leaf } = proof;
  return encode(
    new Map<number, (Uint8Array | string)[] | (boolean | Uint8Array)[][]>([
      [CcfProofKey.leaf, [leaf.internalTransactionHash, leaf.internalEvidence, leaf.dataHash]],
      [CcfProofKey.path, proof.path.map((element) => [element.left, element.hash])],
    ]),
  );
}
