import type { JsonWebKey } from 'node:crypto';
import { decode } from '../cbor/index.js';
import { KeyError } from './errors.js';

const CRV_NAMES: Record<number, string> = { 1: 'P-256', 2: 'P-384', 3: 'P-521' };
const OKP_CURVES: Record<number, string> = { 6: 'Ed25519', 7: 'Ed448' };

const b64url = (value: unknown, what: string): string => {
  if (!(value instanceof Uint8Array)) throw new KeyError('KEY_UNREADABLE', `COSE_Key ${what} must be a byte string`);
  return Buffer.from(value).toString('base64url');
};

/** One COSE_Key (RFC 9052 section 7; EC2 and OKP public keys) as a JWK, its kid kept as text. */
export function coseKeyToJwk(key: unknown): JsonWebKey {
  if (!(key instanceof Map)) throw new KeyError('KEY_UNREADABLE', 'a COSE_Key must be a map');
  const kty = key.get(1);
  const kid = key.get(2);
  const jwk: JsonWebKey = {};
  if (kty === 2) {
    const crv = CRV_NAMES[key.get(-1) as number];
    if (!crv) throw new KeyError('KEY_UNSUPPORTED', `COSE_Key curve ${String(key.get(-1))} is not supported`);
    Object.assign(jwk, { kty: 'EC', crv, x: b64url(key.get(-2), 'x'), y: b64url(key.get(-3), 'y') });
  } else if (kty === 1) {
    const crv = OKP_CURVES[key.get(-1) as number];
    if (!crv) throw new KeyError('KEY_UNSUPPORTED', `COSE_Key curve ${String(key.get(-1))} is not supported`);
    Object.assign(jwk, { kty: 'OKP', crv, x: b64url(key.get(-2), 'x') });
  } else {
    throw new KeyError('KEY_UNSUPPORTED', `COSE_Key type ${String(kty)} is not supported (EC2 and OKP are)`);
  }
  if (kid instanceof Uint8Array) jwk.kid = Buffer.from(kid).toString('utf8');
  else if (typeof kid === 'string') jwk.kid = kid;
  return jwk;
}

/** A COSE_KeySet (CBOR array of COSE_Key), as a service serves it at /.well-known/scitt-keys, as JWKs. */
export function coseKeySetToJwks(bytes: Uint8Array): { keys: JsonWebKey[] } {
  let set: unknown;
  try {
    set = decode(bytes, { maxDepth: 4, maxItems: 4096, maxInputSize: 1024 * 1024 });
  } catch {
    throw new KeyError('KEY_UNREADABLE', 'not a CBOR COSE_KeySet');
  }
  if (!Array.isArray(set) || set.length === 0) throw new KeyError('KEY_UNREADABLE', 'a COSE_KeySet is a non-empty array of COSE_Key');
  return { keys: set.map(coseKeyToJwk) };
}
