import { MerkleError } from './errors.js';
import { HASH_SIZE } from './hash.js';

export function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MerkleError('MERKLE_OUT_OF_RANGE', `${name} ${String(value)} is not a whole number from 0 to 2^53 - 1`);
  }
}

export function checkIndex(leafIndex: number, treeSize: number): void {
  checkCount(treeSize, 'tree size');
  checkCount(leafIndex, 'leaf index');
  if (leafIndex >= treeSize) throw new MerkleError('MERKLE_OUT_OF_RANGE', `leaf index ${leafIndex} is not below tree size ${treeSize}`);
}

/** size1 <= size2 and size1 > 0: a consistency proof from the empty tree proves nothing. */
export function checkSizes(size1: number, size2: number): void {
  checkCount(size1, 'first tree size');
  checkCount(size2, 'second tree size');
  if (size1 > size2) throw new MerkleError('MERKLE_OUT_OF_RANGE', `first tree size ${size1} is larger than second tree size ${size2}`);
  if (size1 === 0) throw new MerkleError('MERKLE_OUT_OF_RANGE', 'a consistency proof from the empty tree (size 0) proves nothing');
}

export function checkHash(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE) throw new MerkleError('MERKLE_HASH_SIZE', `${what} has ${hash.length} bytes, not ${HASH_SIZE}`);
}

export function checkProofHashes(proof: readonly Uint8Array[]): void {
  // The name is made only for the error: proofs are checked per artifact.
  for (let i = 0; i < proof.length; i++) if (proof[i]!.length !== HASH_SIZE) checkHash(proof[i]!, `proof hash ${i}`);
}

/** `what` names the proof in the error; a function when naming it costs something (made only on failure). */
export function checkProofLength(proof: readonly Uint8Array[], expected: number, what: string | (() => string)): void {
  if (proof.length !== expected) {
    throw new MerkleError('MERKLE_PROOF_LENGTH', `${typeof what === 'function' ? what() : what} has ${proof.length} hash(es); ${expected} expected`);
  }
}

/** Byte-for-byte equality (hashes are public: no constant-time need). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
