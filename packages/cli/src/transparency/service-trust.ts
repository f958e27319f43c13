import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyIdOf, kidText, type JsonWebKeySet, type ResolveReceiptKey } from '@countersign/core';

/** Resolves receipt kids against a JWK set: by the JWK's own kid, or by countersign's hex SPKI key id. */
export function keyResolver(jwks: JsonWebKeySet): ResolveReceiptKey {
  const keys = new Map<string, KeyObject>();
  for (const jwk of jwks.keys) {
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      keys.set(keyIdOf(key), key);
      if (typeof jwk.kid === 'string') keys.set(jwk.kid, key);
    } catch {
      // An unusable key simply never matches.
    }
  }
  return (kid) => keys.get(kidText(kid));
}
