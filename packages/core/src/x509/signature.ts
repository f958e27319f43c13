import { constants, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import {
  DerCursor,
  Tag,
  contextTag,
  derExplicit,
  derInteger,
  derNull,
  derOid,
  derSequence,
  readNull,
  readOid,
  readSmallInteger,
  type DerElement,
} from './der.js';
import { MIN_RSA_MODULUS_BITS } from '../cose/keys.js';
import { X509Error } from './errors.js';
import { ALGORITHM } from './oids.js';

type HashName = 'sha256' | 'sha384' | 'sha512';

/** A certificate signature algorithm this module can check, with its parameters resolved. */
export type SignatureAlgorithm =
  | { readonly kind: 'ecdsa'; readonly oid: string; readonly hash: HashName }
  | { readonly kind: 'rsa-pkcs1'; readonly oid: string; readonly hash: HashName }
  | { readonly kind: 'rsa-pss'; readonly oid: string; readonly hash: HashName; readonly saltLength: number }
  | { readonly kind: 'eddsa'; readonly oid: string; readonly curve: 'ed25519' | 'ed448' };

const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [ALGORITHM.sha256]: 'sha256',
  [ALGORITHM.sha384]: 'sha384',
  [ALGORITHM.sha512]: 'sha512',
};
const OID_BY_HASH: Readonly<Record<HashName, string>> = { sha256: ALGORITHM.sha256, sha384: ALGORITHM.sha384, sha512: ALGORITHM.sha512 };
const HASH_LENGTH: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

const SIMPLE: Readonly<Record<string, SignatureAlgorithm>> = {
  [ALGORITHM.ecdsaWithSha256]: { kind: 'ecdsa', oid: ALGORITHM.ecdsaWithSha256, hash: 'sha256' },
  [ALGORITHM.ecdsaWithSha384]: { kind: 'ecdsa', oid: ALGORITHM.ecdsaWithSha384, hash: 'sha384' },
  [ALGORITHM.ecdsaWithSha512]: { kind: 'ecdsa', oid: ALGORITHM.ecdsaWithSha512, hash: 'sha512' },
  [ALGORITHM.sha256WithRsa]: { kind: 'rsa-pkcs1', oid: ALGORITHM.sha256WithRsa, hash: 'sha256' },
  [ALGORITHM.sha384WithRsa]: { kind: 'rsa-pkcs1', oid: ALGORITHM.sha384WithRsa, hash: 'sha384' },
  [ALGORITHM.sha512WithRsa]: { kind: 'rsa-pkcs1', oid: ALGORITHM.sha512WithRsa, hash: 'sha512' },
  [ALGORITHM.ed25519]: { kind: 'eddsa', oid: ALGORITHM.ed25519, curve: 'ed25519' },
  [ALGORITHM.ed448]: { kind: 'eddsa', oid: ALGORITHM.ed448, curve: 'ed448' },
};

function malformed(message: string): X509Error {
  return new X509Error('X509_MALFORMED', message);
}

/** A hash AlgorithmIdentifier inside PSS parameters: parameters absent or NULL (RFC 4055 2.1). */
function readHashIdentifier(element: DerElement, what: string): HashName {
  const cursor = new DerCursor(element, what);
  const oid = readOid(cursor.next(Tag.OID, 'algorithm'), what);
  const params = cursor.optional(Tag.NULL);
  if (params) readNull(params, `${what} parameters`);
  cursor.end();
  const hash = HASH_BY_OID[oid];
  if (!hash) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `${what} ${oid} is not SHA-256, SHA-384 or SHA-512`);
  return hash;
}

/** The one element inside an `[n] EXPLICIT` field. */
function unwrapExplicit(field: DerElement, what: string): DerElement {
  const cursor = new DerCursor(field, what, field.tag);
  const inner = cursor.nextAny('value');
  cursor.end();
  return inner;
}

/** RSASSA-PSS-params (RFC 4055 3.1). The SHA-1 defaults are refused, so every field must be present. */
function readPssParameters(element: DerElement | undefined): { hash: HashName; saltLength: number } {
  if (!element) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', 'RSASSA-PSS without parameters means SHA-1, which is not accepted');
  const cursor = new DerCursor(element, 'RSASSA-PSS parameters');
  const hashField = cursor.optional(contextTag(0, true));
  const mgfField = cursor.optional(contextTag(1, true));
  const saltField = cursor.optional(contextTag(2, true));
  const trailerField = cursor.optional(contextTag(3, true));
  cursor.end();
  if (!hashField || !mgfField) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', 'RSASSA-PSS with the default SHA-1 hash or MGF is not accepted');
  const hash = readHashIdentifier(unwrapExplicit(hashField, 'PSS hashAlgorithm'), 'PSS hash algorithm');
  const mgf = new DerCursor(unwrapExplicit(mgfField, 'PSS maskGenAlgorithm'), 'PSS maskGenAlgorithm');
  const mgfOid = readOid(mgf.next(Tag.OID, 'algorithm'), 'PSS mask generation function');
  if (mgfOid !== ALGORITHM.mgf1) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `PSS mask generation function ${mgfOid} is not MGF1`);
  const mgfHash = readHashIdentifier(mgf.nextAny('MGF1 hash'), 'MGF1 hash algorithm');
  mgf.end();
  if (mgfHash !== hash) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `PSS uses ${hash} but MGF1 uses ${mgfHash}`);
  const saltLength = saltField ? readSmallInteger(unwrapExplicit(saltField, 'PSS saltLength'), 1024, 'PSS saltLength') : 20;
  if (trailerField && readSmallInteger(unwrapExplicit(trailerField, 'PSS trailerField'), 1, 'PSS trailerField') !== 1) {
    throw malformed('PSS trailerField must be 1');
  }
  return { hash, saltLength };
}

/** Reads an AlgorithmIdentifier naming a signature algorithm. */
export function parseSignatureAlgorithm(element: DerElement, what: string): SignatureAlgorithm {
  const cursor = new DerCursor(element, what);
  const oid = readOid(cursor.next(Tag.OID, 'algorithm'), what);
  const params = cursor.atEnd ? undefined : cursor.nextAny('parameters');
  cursor.end();
  if (oid === ALGORITHM.rsassaPss) return { kind: 'rsa-pss', oid, ...readPssParameters(params) };
  const known = SIMPLE[oid];
  if (!known) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `${what} ${oid} is not a supported signature algorithm`);
  // RSA PKCS #1 carries NULL parameters (RFC 4055); ECDSA and EdDSA carry none (RFC 5758, RFC 8410).
  if (params) {
    if (known.kind !== 'rsa-pkcs1') throw malformed(`${what} ${oid} must not carry parameters`);
    readNull(params, `${what} parameters`);
  }
  return known;
}

/** A CA key too weak to trust: whoever can factor it can issue leaves the chain would accept. */
const MIN_RSA_ISSUER_BITS = MIN_RSA_MODULUS_BITS;

/**
 * Checks a signature; false for a wrong signature or a key that cannot have made it. An RSA key
 * shorter than MIN_RSA_ISSUER_BITS is X509_UNSUPPORTED_ALGORITHM rather than a wrong signature.
 */
export function verifySignature(algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  const modulusLength = type === 'rsa' || type === 'rsa-pss' ? (key.asymmetricKeyDetails?.modulusLength ?? 0) : undefined;
  if (modulusLength !== undefined && modulusLength < MIN_RSA_ISSUER_BITS) {
    throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `an issuing RSA key of ${modulusLength} bits is too short (at least ${MIN_RSA_ISSUER_BITS} bits)`);
  }
  try {
    switch (algorithm.kind) {
      case 'ecdsa':
        return type === 'ec' && verify(algorithm.hash, data, { key, dsaEncoding: 'der' }, signature);
      case 'rsa-pkcs1':
        return type === 'rsa' && verify(algorithm.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'rsa-pss':
        return (
          (type === 'rsa' || type === 'rsa-pss') &&
          verify(algorithm.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength }, signature)
        );
      case 'eddsa':
        return type === algorithm.curve && verify(null, data, key, signature);
    }
  } catch {
    // OpenSSL throws rather than returning false for some malformed signatures and keys.
    return false;
  }
}

/** How a private key signs certificates: the AlgorithmIdentifier to write and the signing function. */
export interface CertificateSigner {
  readonly algorithmIdentifier: Uint8Array;
  sign(data: Uint8Array): Uint8Array;
}

const EC_HASH: Readonly<Record<string, { oid: string; hash: HashName }>> = {
  prime256v1: { oid: ALGORITHM.ecdsaWithSha256, hash: 'sha256' },
  secp384r1: { oid: ALGORITHM.ecdsaWithSha384, hash: 'sha384' },
  secp521r1: { oid: ALGORITHM.ecdsaWithSha512, hash: 'sha512' },
};

function pssIdentifier(hash: HashName, saltLength: number): Uint8Array {
  const hashId = derSequence(derOid(OID_BY_HASH[hash]), derNull());
  return derSequence(
    derOid(ALGORITHM.rsassaPss),
    derSequence(derExplicit(0, hashId), derExplicit(1, derSequence(derOid(ALGORITHM.mgf1), hashId)), derExplicit(2, derInteger(saltLength))),
  );
}

/** Picks the signature algorithm from the key: ECDSA's hash follows the curve, RSA uses SHA-256. */
export function certificateSigner(privateKey: KeyObject): CertificateSigner {
  if (privateKey.type !== 'private') throw new X509Error('X509_INVALID_OPTIONS', 'the issuer key must be a private key');
  const type = privateKey.asymmetricKeyType;
  const details = privateKey.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'ec': {
      const choice = EC_HASH[details.namedCurve ?? ''];
      if (!choice) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `EC curve ${details.namedCurve ?? '(unknown)'} is not P-256, P-384 or P-521`);
      return {
        algorithmIdentifier: derSequence(derOid(choice.oid)),
        sign: (data) => new Uint8Array(sign(choice.hash, data, { key: privateKey, dsaEncoding: 'der' })),
      };
    }
    case 'rsa':
      return {
        algorithmIdentifier: derSequence(derOid(ALGORITHM.sha256WithRsa), derNull()),
        sign: (data) => new Uint8Array(sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING })),
      };
    case 'rsa-pss': {
      // A PSS key may be bound to one hash and a minimum salt length; honour both.
      const hash = (details.hashAlgorithm ?? 'sha256') as HashName;
      if (!(hash in HASH_LENGTH)) throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `RSA-PSS key bound to ${hash} is not supported`);
      const saltLength = Math.max(HASH_LENGTH[hash], details.saltLength ?? 0);
      return {
        algorithmIdentifier: pssIdentifier(hash, saltLength),
        sign: (data) => new Uint8Array(sign(hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength })),
      };
    }
    case 'ed25519':
    case 'ed448':
      return {
        algorithmIdentifier: derSequence(derOid(type === 'ed25519' ? ALGORITHM.ed25519 : ALGORITHM.ed448)),
        sign: (data) => new Uint8Array(sign(null, data, privateKey)),
      };
    default:
      throw new X509Error('X509_UNSUPPORTED_ALGORITHM', `keys of type ${type ?? '(unknown)'} cannot sign certificates here`);
  }
}

/** True when the private key is the one behind the public key (compared by SubjectPublicKeyInfo). */
export function keysMatch(privateKey: KeyObject, publicKey: KeyObject): boolean {
  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return derived.equals(publicKey.export({ type: 'spki', format: 'der' }));
}
