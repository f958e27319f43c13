import { checkCount, checkHash } from './checks.js';
import { MerkleError } from './errors.js';
import { leafHash, nodeHash } from './hash.js';
import { consistencyProof, inclusionProof, rootAt } from './prove.js';
import type { SubtreeHashes } from './subtree-hashes.js';

/**
 * An append-only RFC 9162 tree held in memory, kept the way a ledger keeps it on disk: level 0 holds
 * the leaf hashes, level l the hash of every complete aligned run of 2^l leaves, written as soon as
 * the run completes. Proofs and roots for any size up to the current one read O(log n) of them.
 */
export class MemoryTree implements SubtreeHashes {
  private readonly levels: Uint8Array[][] = [[]];

  /** Number of leaves. */
  get size(): number {
    return this.levels[0]!.length;
  }

  /** Appends a leaf hash (already SHA-256(0x00 || entry)); returns its index. */
  append(hash: Uint8Array): number {
    checkHash(hash, 'leaf hash');
    const index = this.size;
    let carry = hash;
    let position = index;
    for (let level = 0; ; level++) {
      const row = (this.levels[level] ??= []);
      row.push(carry);
      if (position % 2 === 0) break;
      carry = nodeHash(row[position - 1]!, carry);
      position = (position - 1) / 2;
    }
    return index;
  }

  /** Appends an entry (its leaf hash is computed here); returns its index. */
  appendEntry(entry: Uint8Array): number {
    return this.append(leafHash(entry));
  }

  subtreeHash(level: number, index: number): Uint8Array {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new MerkleError('MERKLE_OUT_OF_RANGE', `no complete subtree at level ${level}, index ${index} in a tree of ${this.size} leaves`);
    return hash;
  }

  /** The root of the first `size` leaves (all of them by default). */
  root(size = this.size): Uint8Array {
    this.checkSize(size);
    return rootAt(size, this);
  }

  inclusionProof(leafIndex: number, size = this.size): Uint8Array[] {
    this.checkSize(size);
    return inclusionProof(leafIndex, size, this);
  }

  consistencyProof(size1: number, size2 = this.size): Uint8Array[] {
    this.checkSize(size2);
    return consistencyProof(size1, size2, this);
  }

  private checkSize(size: number): void {
    checkCount(size, 'tree size');
    if (size > this.size) throw new MerkleError('MERKLE_OUT_OF_RANGE', `tree size ${size} is beyond the ${this.size} leaves appended`);
  }
}
