import type { JsonWebKey, KeyObject } from 'node:crypto';
import { decode, encode, type Encodable } from '../cbor/index.js';
import { KeyError } from './errors.js';
import { describeKey, publicJwkOf } from './keys.js';

/** COSE_Key labels and values (RFC 9052 section 7, RFC 9053, RFC 8230) that countersign reads or writes. */
const LABEL = Object.freeze({ kty: 1, kid: 2, alg: 3, crvOrN: -1, xOrE: -2, y: -3 });
const KTY = Object.freeze({ okp: 1, ec2: 2, rsa: 3 });

const CRV_NAMES: Record<number, string> = { 1: 'P-256', 2: 'P-384', 3: 'P-521' };
const OKP_CURVES: Record<number, string> = { 6: 'Ed25519', 7: 'Ed448' };
const curveIds = (names: Record<number, string>): Record<string, number> => Object.fromEntries(Object.entries(names).map(([id, name]) => [name, Number(id)]));
const EC2_CURVE_IDS = curveIds(CRV_NAMES);
const OKP_CURVE_IDS = curveIds(OKP_CURVES);

const b64url = (value: unknown, what: string): string => {
  if (!(value instanceof Uint8Array)) throw new KeyError('KEY_UNREADABLE', `COSE_Key ${what} must be a byte string`);
  return Buffer.from(value).toString('base64url');
};

/** One COSE_Key (RFC 9052 section 7; EC2, OKP and RSA public keys) as a JWK, its kid kept as text. */
export function coseKeyToJwk(key: unknown): JsonWebKey {
  if (!(key instanceof Map)) throw new KeyError('KEY_UNREADABLE', 'a COSE_Key must be a map');
  const kty = key.get(LABEL.kty);
  const kid = key.get(LABEL.kid);
  const jwk: JsonWebKey = {};
  if (kty === KTY.ec2) {
    const crv = CRV_NAMES[key.get(LABEL.crvOrN) as number];
    if (!crv) throw new KeyError('KEY_UNSUPPORTED', `COSE_Key curve ${String(key.get(LABEL.crvOrN))} is not supported`);
    Object.assign(jwk, { kty: 'EC', crv, x: b64url(key.get(LABEL.xOrE), 'x'), y: b64url(key.get(LABEL.y), 'y') });
  } else if (kty === KTY.okp) {
    const crv = OKP_CURVES[key.get(LABEL.crvOrN) as number];
    if (!crv) throw new KeyError('KEY_UNSUPPORTED', `COSE_Key curve ${String(key.get(LABEL.crvOrN))} is not supported`);
    Object.assign(jwk, { kty: 'OKP', crv, x: b64url(key.get(LABEL.xOrE), 'x') });
  } else if (kty === KTY.rsa) {
    Object.assign(jwk, { kty: 'RSA', n: b64url(key.get(LABEL.crvOrN), 'n'), e: b64url(key.get(LABEL.xOrE), 'e') });
  } else {
    throw new KeyError('KEY_UNSUPPORTED', `COSE_Key type ${String(kty)} is not supported (EC2, OKP and RSA are)`);
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

const bytesOf = (jwk: JsonWebKey, field: 'x' | 'y' | 'n' | 'e'): Uint8Array => new Uint8Array(Buffer.from(jwk[field] as string, 'base64url'));

/**
 * A public key as a COSE_Key (the inverse of coseKeyToJwk): EC2 P-256/384/521, OKP Ed25519/Ed448 or
 * RSA. `kid` is written as the UTF-8 bytes of the text, `alg` as the COSE algorithm id.
 */
export function publicCoseKeyOf(key: KeyObject, meta: { kid?: string; alg?: number } = {}): Map<number, Encodable> {
  const jwk = publicJwkOf(key);
  const coseKey = new Map<number, Encodable>();
  if (jwk.kty === 'EC' && EC2_CURVE_IDS[jwk.crv as string] !== undefined) {
    coseKey.set(LABEL.kty, KTY.ec2);
    coseKey.set(LABEL.crvOrN, EC2_CURVE_IDS[jwk.crv as string] as number);
    coseKey.set(LABEL.xOrE, bytesOf(jwk, 'x'));
    coseKey.set(LABEL.y, bytesOf(jwk, 'y'));
  } else if (jwk.kty === 'OKP' && OKP_CURVE_IDS[jwk.crv as string] !== undefined) {
    coseKey.set(LABEL.kty, KTY.okp);
    coseKey.set(LABEL.crvOrN, OKP_CURVE_IDS[jwk.crv as string] as number);
    coseKey.set(LABEL.xOrE, bytesOf(jwk, 'x'));
  } else if (jwk.kty === 'RSA') {
    coseKey.set(LABEL.kty, KTY.rsa);
    coseKey.set(LABEL.crvOrN, bytesOf(jwk, 'n'));
    coseKey.set(LABEL.xOrE, bytesOf(jwk, 'e'));
  } else {
    throw new KeyError('KEY_UNSUPPORTED', `${describeKey(key)} keys have no COSE_Key form here`);
  }
  if (meta.kid !== undefined) coseKey.set(LABEL.kid, new TextEncoder().encode(meta.kid));
  if (meta.alg !== undefined) coseKey.set(LABEL.alg, meta.alg);
  return coseKey;
}

/** A COSE_KeySet of public keys, encoded (what /.well-known/scitt-keys serves). */
export function encodeCoseKeySet(keys: Array<Map<number, Encodable>>): Uint8Array {
  return encode(keys);
}
