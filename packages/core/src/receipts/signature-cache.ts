import type { KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from '../cose/algorithms.js';
import { hashText } from '../digest/hash-once.js';
import { sameBytes } from '../merkle/checks.js';

/** Distinct signatures a batch keeps: a release rarely spans more than a few signed tree heads. */
export const DEFAULT_SIGNATURE_CACHE_ENTRIES = 1024;

// Exporting a key's SubjectPublicKeyInfo copies it out of OpenSSL; service keys are long-lived objects.
const spkiOf = new WeakMap<KeyObject, Buffer>();

function spki(key: KeyObject): Buffer {
  let der = spkiOf.get(key);
  if (!der) {
    der = key.export({ type: 'spki', format: 'der' });
    spkiOf.set(key, der);
  }
  return der;
}


/**
 * Receipt signatures that verified in one batch. Receipts issued together carry one signature over one
 * root (the embedded ledger signs a tree head per batch, Microsoft's service a root per signature
 * interval), so a release's receipts need that signature checked once, not once per artifact.
 *
 * An entry is SHA-256 over everything the signature check reads, each part length-prefixed: the key's
 * SubjectPublicKeyInfo, the algorithm, the Sig_structure (protected header bytes and the recomputed
 * root) and the signature. Only a byte-identical check is ever answered from here; anything else, a
 * different root, header, signature or key, is verified afresh. Only successes are kept, and the
 * caller still checks that the key may serve the algorithm each time (a JWK's `alg` is not in its
 * bytes). The oldest entry makes room once `capacity` are held.
 */
export class ReceiptSignatureCache {
  private readonly verified = new Set<string>();
  // The check answered or recorded last, byte for byte: a batch's receipts come in runs from one tree
  // head, and comparing a run's next check with it costs less than hashing it. Always one of `verified`
  // (only an add evicts, and an add replaces it).
  private last?: { key: KeyObject; algorithm: SignatureAlgorithm; toBeSigned: Uint8Array; signature: Uint8Array };
  /** Checks answered from the cache: for tests and debug lines. */
  hits = 0;

  constructor(readonly capacity = DEFAULT_SIGNATURE_CACHE_ENTRIES) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('a signature cache holds at least one entry');
  }

  get size(): number {
    return this.verified.size;
  }

  /** Whether exactly this signature check has verified before. */
  has(key: KeyObject, algorithm: SignatureAlgorithm, toBeSigned: Uint8Array, signature: Uint8Array): boolean {
    if (!this.isLast(key, algorithm, toBeSigned, signature)) {
      if (!this.verified.has(entryOf(key, algorithm, toBeSigned, signature))) return false;
      this.remember(key, algorithm, toBeSigned, signature);
    }
    this.hits++;
    return true;
  }

  /** Records a check that verified. */
  add(key: KeyObject, algorithm: SignatureAlgorithm, toBeSigned: Uint8Array, signature: Uint8Array): void {
    const entry = entryOf(key, algorithm, toBeSigned, signature);
    if (!this.verified.has(entry)) {
      if (this.verified.size >= this.capacity) this.verified.delete(this.verified.values().next().value as string);
      this.verified.add(entry);
    }
    this.remember(key, algorithm, toBeSigned, signature);
  }

  private isLast(key: KeyObject, algorithm: SignatureAlgorithm, toBeSigned: Uint8Array, signature: Uint8Array): boolean {
    const last = this.last;
    return last !== undefined && last.key === key && last.algorithm === algorithm && sameBytes(last.signature, signature) && sameBytes(last.toBeSigned, toBeSigned);
  }

  private remember(key: KeyObject, algorithm: SignatureAlgorithm, toBeSigned: Uint8Array, signature: Uint8Array): void {
    // Copies: the caller's bytes may be a scratch buffer that the next check overwrites.
    this.last = { key, algorithm, toBeSigned: toBeSigned.slice(), signature: signature.slice() };
  }
}

let entryInput = new Uint8Array(512);

/** SHA-256 over the SPKI, the algorithm's name, the Sig_structure and the signature, each after its length (4 bytes, big-endian). */
function entryOf(key: KeyObject, algorithm: SignatureAlgorithm, toBeSigned: Uint8Array, signature: Uint8Array): string {
  const parts = [spki(key), Buffer.from(algorithm.name), toBeSigned, signature];
  const total = parts.reduce((sum, part) => sum + 4 + part.length, 0);
  if (total > entryInput.length) entryInput = new Uint8Array(Math.max(total, 2 * entryInput.length));
  const view = new DataView(entryInput.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setUint32(offset, part.length);
    entryInput.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return hashText('sha256', entryInput.subarray(0, total), 'base64');
}
