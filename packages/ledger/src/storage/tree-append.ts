import { nodeHash } from '@countersign/core';
import { levelLength, MAX_LEVELS } from './layout.js';

/**
 * The right edge of the tree: for every level whose hash count is odd, its last hash, which waits
 * for a right sibling. That is all appending needs, so appending never reads the level files.
 */
export type Frontier = Array<Uint8Array | undefined>;

export interface AppendedHashes {
  /** New hashes per level, in order; level 0 holds the leaf hashes. */
  levels: Uint8Array[][];
  frontier: Frontier;
}

/** Appends `leaves` (leaf hashes) to a tree of `treeSize`; pure, so a failed batch leaves nothing to undo. */
export function appendLeaves(treeSize: number, frontier: Frontier, leaves: readonly Uint8Array[]): AppendedHashes {
  const next = frontier.slice();
  const levels: Uint8Array[][] = [];
  let size = treeSize;
  for (const leaf of leaves) {
    size++;
    let hash = leaf;
    for (let level = 0; level < MAX_LEVELS; level++) {
      (levels[level] ??= []).push(hash);
      if (levelLength(size, level) % 2 === 1) {
        next[level] = hash;
        break;
      }
      const left = next[level];
      if (left === undefined) throw new Error(`frontier has no hash at level ${level} for tree size ${size}`);
      next[level] = undefined;
      hash = nodeHash(left, hash);
    }
  }
  return { levels, frontier: next };
}
