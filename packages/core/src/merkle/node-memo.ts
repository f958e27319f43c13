import { HASH_SIZE, nodeHash } from './hash.js';

// Proofs for neighbouring leaves of one tree meet a level or two above the leaves: a batch of receipts
// from one tree hashes the same interior nodes over and over. Recent node hashes are kept here with
// their exact input (left || right), so each is computed once while it stays. Nothing is trusted:
// SHA-256 of the same 64 bytes is the same node, and any other input misses and is hashed. A slot is
// chosen by a few input bytes (SHA-256 outputs, so spread evenly) and holds one node: a clash costs a
// hash, never a wrong answer, since the whole input is compared.
const SLOTS = 8192;
const INPUT = 2 * HASH_SIZE;
const inputs = new Uint8Array(SLOTS * INPUT);
const outputs: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);

function slotOf(left: Uint8Array, right: Uint8Array): number {
  return (((left[0]! << 8) | left[1]!) ^ ((right[0]! << 5) | right[1]!)) & (SLOTS - 1);
}

function holds(slot: number, left: Uint8Array, right: Uint8Array): boolean {
  const base = slot * INPUT;
  for (let i = 0; i < HASH_SIZE; i++) if (inputs[base + i] !== left[i]) return false;
  for (let i = 0; i < HASH_SIZE; i++) if (inputs[base + HASH_SIZE + i] !== right[i]) return false;
  return true;
}

/**
 * nodeHash(left, right), computed once per distinct input while it stays. The result may be shared
 * with later callers: it must not be modified (copy anything that escapes).
 */
export function sharedNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return nodeHash(left, right);
  const slot = slotOf(left, right);
  const known = outputs[slot];
  if (known !== undefined && holds(slot, left, right)) return known;
  const hash = nodeHash(left, right);
  inputs.set(left, slot * INPUT);
  inputs.set(right, slot * INPUT + HASH_SIZE);
  outputs[slot] = hash;
  return hash;
}
