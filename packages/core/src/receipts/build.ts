import { encode, type CborMap, type CborValue } from '../cbor/index.js';
import { HeaderLabel } from '../cose/headers.js';
import { encodeSign1 } from '../cose/sign1.js';
import { checkProofHashes, checkProofLength } from '../merkle/checks.js';
import { consistencyProofLength, inclusionProofLength } from '../merkle/verify.js';
import { VdpKey } from './constants.js';
import type { ConsistencyProofData, InclusionProofData } from './read.js';
import type { SignedTreeHead } from './tree-head.js';

function receiptWith(head: SignedTreeHead, key: number, proof: Uint8Array): Uint8Array {
  const proofs = new Map<CborValue, CborValue>([[key, [proof]]]);
  const unprotectedHeader: CborMap = new Map<CborValue, CborValue>([[HeaderLabel.verifiableDataProofs, proofs]]);
  return encodeSign1({ protectedBytes: head.protectedBytes, unprotectedHeader, payload: null, signature: head.signature });
}

/**
 * A vds 1 inclusion receipt: tag 18, the tree head's protected header and signature, a nil payload,
 * and unprotected {396: {-1: [bstr .cbor [tree_size, leaf_index, [hashes]]]}}. The proof's shape is
 * checked (index in range, 32-byte hashes, as many as the index and size call for); whether it leads to
 * the head's root is the caller's to know (it needs the leaf).
 */
export function inclusionReceipt(head: SignedTreeHead, proof: InclusionProofData): Uint8Array {
  checkProofHashes(proof.path);
  checkProofLength(proof.path, inclusionProofLength(proof.leafIndex, proof.treeSize), `inclusion proof for leaf ${proof.leafIndex} of ${proof.treeSize}`);
  return receiptWith(head, VdpKey.inclusion, encode([proof.treeSize, proof.leafIndex, proof.path]));
}

/** A vds 1 consistency receipt: the same frame with {396: {-2: [bstr .cbor [size1, size2, [hashes]]]}}; the head's root is the second root. */
export function consistencyReceipt(head: SignedTreeHead, proof: ConsistencyProofData): Uint8Array {
  checkProofHashes(proof.path);
  checkProofLength(proof.path, consistencyProofLength(proof.size1, proof.size2), `consistency proof from ${proof.size1} to ${proof.size2}`);
  return receiptWith(head, VdpKey.consistency, encode([proof.size1, proof.size2, proof.path]));
}
