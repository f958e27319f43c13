/**
 * What proof generation reads: the hash of a perfect, aligned subtree, i.e. of the 2^level leaves
 * starting at leaf `index * 2^level` (level 0 is the leaf hashes themselves). A ledger keeps exactly
 * these hashes on disk as it appends, so that any proof reads O(log n) of them and never the log.
 * Callers only ask for subtrees that lie wholly inside the tree size they are proving against.
 */
export interface SubtreeHashes {
  subtreeHash(level: number, index: number): Uint8Array;
}
