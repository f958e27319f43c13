import { pathShape, bitSet, shiftRight, trailingZeros } from './bits.js';
import { checkHash, checkIndex, checkProofHashes, checkProofLength, checkSizes, sameBytes } from './checks.js';
import { MerkleError } from './errors.js';
import { sharedNodeHash as nodeHash } from './node-memo.js';

/** Hashes up the levels where the path leaves the tree's right edge: the sibling is on the left where `index` has a one bit. */
function climbInner(seed: Uint8Array, proof: readonly Uint8Array[], from: number, count: number, index: number): Uint8Array {
  let hash = seed;
  for (let level = 0; level < count; level++) {
    const sibling = proof[from + level]!;
    hash = bitSet(index, level) ? nodeHash(sibling, hash) : nodeHash(hash, sibling);
  }
  return hash;
}

/** The same levels, taking only the left siblings: the tree that ends where the node ends (the old tree of a consistency proof). */
function climbInnerLeft(seed: Uint8Array, proof: readonly Uint8Array[], from: number, count: number, index: number): Uint8Array {
  let hash = seed;
  for (let level = 0; level < count; level++) {
    if (bitSet(index, level)) hash = nodeHash(proof[from + level]!, hash);
  }
  return hash;
}

/** Hashes up the tree's right edge, where every remaining sibling is on the left. */
function climbBorder(seed: Uint8Array, proof: readonly Uint8Array[], from: number): Uint8Array {
  let hash = seed;
  for (let i = from; i < proof.length; i++) hash = nodeHash(proof[i]!, hash);
  return hash;
}

/** How many hashes an inclusion proof for `leafIndex` in a tree of `treeSize` leaves holds. */
export function inclusionProofLength(leafIndex: number, treeSize: number): number {
  checkIndex(leafIndex, treeSize);
  const { inner, border } = pathShape(leafIndex, treeSize - 1);
  return inner + border;
}

/**
 * The root an inclusion proof (RFC 9162 section 2.1.3) leads to from a leaf hash. Throws a MerkleError
 * when the index is out of range, a hash is not 32 bytes, or the proof has the wrong number of hashes.
 */
export function rootFromInclusionProof(leafIndex: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkIndex(leafIndex, treeSize);
  checkHash(leafHash, 'leaf hash');
  checkProofHashes(proof);
  const { inner, border } = pathShape(leafIndex, treeSize - 1);
  checkProofLength(proof, inner + border, () => `inclusion proof for leaf ${leafIndex} of ${treeSize}`);
  // A copy: the climb's nodes are shared with later proofs.
  return climbBorder(climbInner(leafHash, proof, 0, inner, leafIndex), proof, inner).slice();
}

/** Checks that `leafHash` is leaf `leafIndex` of the tree of `treeSize` leaves whose root is `root`. */
export function verifyInclusion(leafIndex: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkHash(root, 'root');
  const computed = rootFromInclusionProof(leafIndex, treeSize, leafHash, proof);
  if (!sameBytes(computed, root)) {
    throw new MerkleError('MERKLE_ROOT_MISMATCH', `inclusion proof for leaf ${leafIndex} of ${treeSize} leads to another root`);
  }
}

/**
 * Where a consistency proof starts: the largest perfect subtree that ends exactly at size1, at level
 * `shift` with index `node`. Its hash heads the proof unless it is the whole first tree.
 */
function consistencyStart(size1: number, size2: number): { shift: number; node: number; seeded: boolean; inner: number; border: number } {
  const shift = trailingZeros(size1);
  const node = shiftRight(size1 - 1, shift);
  const { inner, border } = pathShape(node, shiftRight(size2 - 1, shift));
  return { shift, node, seeded: node !== 0, inner, border };
}

/** How many hashes a consistency proof from size1 to size2 holds. */
export function consistencyProofLength(size1: number, size2: number): number {
  checkSizes(size1, size2);
  if (size1 === size2) return 0;
  const { seeded, inner, border } = consistencyStart(size1, size2);
  return (seeded ? 1 : 0) + inner + border;
}

/**
 * Checks a consistency proof (RFC 9162 section 2.1.4) against the first root and returns the second
 * root it leads to. size1 must be at least 1; when size1 == size2 the proof must be empty.
 */
export function rootFromConsistencyProof(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array): Uint8Array {
  checkSizes(size1, size2);
  checkHash(root1, 'first root');
  checkProofHashes(proof);
  if (size1 === size2) {
    checkProofLength(proof, 0, `consistency proof between equal sizes ${size1}`);
    return root1;
  }
  const { node, seeded, inner, border } = consistencyStart(size1, size2);
  const start = seeded ? 1 : 0;
  checkProofLength(proof, start + inner + border, `consistency proof from ${size1} to ${size2}`);
  const seed = seeded ? proof[0]! : root1;
  const old = climbBorder(climbInnerLeft(seed, proof, start, inner, node), proof, start + inner);
  if (!sameBytes(old, root1)) {
    throw new MerkleError('MERKLE_ROOT_MISMATCH', `consistency proof from ${size1} to ${size2} does not lead to the first root`);
  }
  return climbBorder(climbInner(seed, proof, start, inner, node), proof, start + inner).slice();
}

/** Checks that the tree of size2 leaves with root2 extends the tree of size1 leaves with root1. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  checkSizes(size1, size2);
  checkHash(root2, 'second root');
  const computed = rootFromConsistencyProof(size1, size2, proof, root1);
  if (!sameBytes(computed, root2)) {
    throw new MerkleError('MERKLE_ROOT_MISMATCH', `consistency proof from ${size1} to ${size2} does not lead to the second root`);
  }
}
