import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { keyIdOf, restrictKeyToAlgorithm } from '../cose/keys.js';
import type { ResolveReceiptKey } from './checked-headers.js';
import { kidText } from './read.js';

// A service's key set is imported once per set object: policies and runs are long-lived, imports are not cheap.
const imported = new WeakMap<object, ReadonlyMap<string, KeyObject>>();

/**
 * A service's keys by every id a receipt may name them with: the JWK's own kid, and the hex SHA-256
 * of the key's SubjectPublicKeyInfo (what Microsoft's service and the embedded ledger put in kid).
 * A key that cannot be imported is left out: it never verifies anything.
 */
export function serviceKeysById(jwks: { readonly keys: readonly JsonWebKey[] }): ReadonlyMap<string, KeyObject> {
  let keys = imported.get(jwks);
  if (!keys) {
    const byId = new Map<string, KeyObject>();
    for (const jwk of jwks.keys) {
      try {
        const key = restrictKeyToAlgorithm(createPublicKey({ key: jwk, format: 'jwk' }), jwk.alg);
        byId.set(keyIdOf(key), key);
        if (typeof jwk.kid === 'string') byId.set(jwk.kid, key);
      } catch {
        // left out, see above
      }
    }
    keys = byId;
    imported.set(jwks, keys);
  }
  return keys;
}

/** Resolves receipt kids against a service's key set. */
export function jwksKeyResolver(jwks: { readonly keys: readonly JsonWebKey[] }): ResolveReceiptKey {
  const keys = serviceKeysById(jwks);
  return (kid) => keys.get(kidText(kid));
}
