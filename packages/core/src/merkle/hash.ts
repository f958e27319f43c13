import * as crypto from 'node:crypto';

const { createHash } = crypto;
// Node 20.12+ hashes a buffer in one call, about twice as fast as createHash for 65 bytes; proofs
// hash a node per level, on every registration and verification.
const hashOnce = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;
const nodeInput = new Uint8Array(1 + 2 * 32);
nodeInput[0] = 0x01;

/** RFC 9162 section 2.1.1: every hash in an RFC9162_SHA256 tree is 32 bytes. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH of one entry: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(entry).digest());
}

/** An interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (hashOnce && left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_SIZE);
    const digest = hashOnce('sha256', nodeInput, 'buffer');
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }
  return new Uint8Array(createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest());
}

/** MTH of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT: Uint8Array = new Uint8Array(createHash('sha256').digest());
