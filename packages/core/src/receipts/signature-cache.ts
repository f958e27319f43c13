import { createHash, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from '../cose/algorithms.js';

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

function lengthOf(bytes: Uint8Array): Buffer {
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(bytes.length);
  return prefix;
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
    const entry = entryOf(key, algorithm, toBeSigned, signature);
    if (!this.verified.has(entry)) return false;
    this.hits++;
    return true;
  }

  /** Records a check that verified. */
  add(key: KeyObject, algorithm: SignatureAlgorithm, toBeSigned: Uint8Array, signature: Uint8Array): void {
    const entry = entryOf(key, algorithm, toBeSigned, signature);
    if (this.verified.has(entry)) return;
    if (this.verified.size >= this.capacity) this.verified.delete(this.verified.values().next().value as string);
    this.verified.add(entry);
  }
}

function entryOf(key: KeyObject, algorithm: SignatureAlgorithm, toBeSigned: Uint8Array, signature: Uint8Array): string {
  const der = spki(key);
  const hash = createHash('sha256');
  for (const part of [der, Buffer.from(algorithm.name), toBeSigned, signature]) hash.update(lengthOf(part)).update(part);
  return hash.digest('base64');
}
