import { decode, encode, type SignedTreeHead } from '@countersign/core';

/** What the ledger stores with each committed batch: the signed tree head its receipts share. */
export interface BatchSeal extends SignedTreeHead {
  readonly treeSize: number;
  readonly issuedAt: number;
}

export function encodeSeal(seal: BatchSeal): Uint8Array {
  return encode([seal.treeSize, seal.issuedAt, seal.root, seal.protectedBytes, seal.signature]);
}

export function decodeSeal(bytes: Uint8Array): BatchSeal {
  const value = decode(bytes, { maxDepth: 2, maxItems: 16 });
  if (!Array.isArray(value) || value.length !== 5) throw new Error('seal record is not [size, iat, root, protected, signature]');
  const [treeSize, issuedAt, root, protectedBytes, signature] = value;
  if (typeof treeSize !== 'number' || typeof issuedAt !== 'number' || !(root instanceof Uint8Array) || !(protectedBytes instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    throw new Error('seal record has fields of the wrong type');
  }
  return { treeSize, issuedAt, root, protectedBytes, signature };
}
