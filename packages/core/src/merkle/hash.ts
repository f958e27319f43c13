import { createHash } from 'node:crypto';
import { hashBytes } from '../digest/hash-once.js';

/** RFC 9162 section 2.1.1: every hash in an RFC9162_SHA256 tree is 32 bytes. */
export const HASH_SIZE = 32;

// Proofs hash a node per level, on every registration and verification: the input is assembled in one
// buffer and hashed in one call rather than through a Hash object and three updates.
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;
const leafInput = new Uint8Array(1 + HASH_SIZE);

/** MTH of one entry: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (entry.length === HASH_SIZE) {
    leafInput.set(entry, 1);
    return hashBytes('sha256', leafInput);
  }
  return new Uint8Array(createHash('sha256').update(Uint8Array.of(0x00)).update(entry).digest());
}

/** An interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_SIZE);
    return hashBytes('sha256', nodeInput);
  }
  return new Uint8Array(createHash('sha256').update(Uint8Array.of(0x01)).update(left).update(right).digest());
}

/** MTH of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT: Uint8Array = new Uint8Array(createHash('sha256').digest());
