import { bitLength, pathShape, shiftRight, trailingZeros } from './bits.js';
import { checkCount, checkIndex, checkSizes } from './checks.js';
import { EMPTY_ROOT, nodeHash } from './hash.js';
import type { SubtreeHashes } from './subtree-hashes.js';

/**
 * Hash of leaves [start, end) where start is a multiple of a power of two no smaller than the range:
 * the range splits into the perfect aligned subtrees given by the binary digits of its length, largest
 * first, and RFC 9162 folds them from the right. Reads one subtree hash per one bit of the length.
 */
function rangeHash(start: number, end: number, store: SubtreeHashes): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = start;
  let remaining = end - start;
  for (let level = bitLength(remaining) - 1; level >= 0; level--) {
    const width = 2 ** level;
    if (remaining < width) continue;
    parts.push(store.subtreeHash(level, offset / width));
    offset += width;
    remaining -= width;
  }
  let hash = parts[parts.length - 1]!;
  for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i]!, hash);
  return hash;
}

/**
 * The sibling hashes from node (level, index) up to the root of the tree of `size` leaves, nearest
 * first (RFC 9162 PATH). Below the level where the path meets the tree's right edge every sibling is a
 * perfect subtree, except the highest one, which may be the edge's incomplete subtree; above it only
 * left siblings remain.
 */
function pathFrom(level: number, index: number, size: number, store: SubtreeHashes): Uint8Array[] {
  const { inner, border } = pathShape(index, shiftRight(size - 1, level));
  const proof = new Array<Uint8Array>(inner + border);
  for (let step = 0; step < inner - 1; step++) {
    const node = shiftRight(index, step);
    proof[step] = store.subtreeHash(level + step, node % 2 === 0 ? node + 1 : node - 1);
  }
  if (inner > 0) {
    const top = level + inner - 1;
    const sibling = shiftRight(index, inner - 1) + 1; // the path's node there is a left child
    proof[inner - 1] = rangeHash(sibling * 2 ** top, size, store);
  }
  let node = shiftRight(index, inner);
  let at = level + inner;
  let k = inner;
  while (node > 0) {
    if (node % 2 === 1) proof[k++] = store.subtreeHash(at, node - 1);
    node = Math.floor(node / 2);
    at++;
  }
  return proof;
}

/** The root of the first `size` leaves (RFC 9162 MTH); the empty tree's root for 0. */
export function rootAt(size: number, store: SubtreeHashes): Uint8Array {
  checkCount(size, 'tree size');
  return size === 0 ? EMPTY_ROOT.slice() : rangeHash(0, size, store);
}

/** The inclusion proof of leaf `leafIndex` in the tree of the first `size` leaves, nearest sibling first. */
export function inclusionProof(leafIndex: number, size: number, store: SubtreeHashes): Uint8Array[] {
  checkIndex(leafIndex, size);
  return pathFrom(0, leafIndex, size, store);
}

/**
 * The consistency proof from the tree of size1 leaves to the tree of size2 leaves (RFC 9162 section
 * 2.1.4.1): the largest perfect subtree ending at size1 (left out when it is the whole first tree),
 * then that subtree's path in the second tree. Empty when the sizes are equal; size1 must be at least 1.
 */
export function consistencyProof(size1: number, size2: number, store: SubtreeHashes): Uint8Array[] {
  checkSizes(size1, size2);
  if (size1 === size2) return [];
  const shift = trailingZeros(size1);
  const node = shiftRight(size1 - 1, shift);
  const path = pathFrom(shift, node, size2, store);
  if (node === 0) return path;
  path.unshift(store.subtreeHash(shift, node));
  return path;
}
