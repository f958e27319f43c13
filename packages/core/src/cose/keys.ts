import { createHash, createPrivateKey, createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SIGNATURE_ALGORITHMS, algorithmByName, type SignatureAlgorithm } from './algorithms.js';
import { CoseError, KeyError } from './errors.js';

const NAMED_CURVES: Record<string, 'P-256' | 'P-384' | 'P-521'> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** RSASSA-PSS keys shorter than this neither sign nor verify (NIST SP 800-131A retired 1024-bit RSA). */
export const MIN_RSA_MODULUS_BITS = 2048;

/** What decides which algorithms a key may serve, read once per key. */
interface KeyProfile {
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  readonly modulusBits?: number;
  /** The JWK `alg` the key was published with (RFC 7517 section 4.4): then it serves that algorithm only. */
  restrictedTo?: string;
}

// asymmetricKeyDetails builds a new object on every read, and every verification asks for the profile.
const profiles = new WeakMap<KeyObject, KeyProfile>();

function profileOf(key: KeyObject): KeyProfile {
  let profile = profiles.get(key);
  if (!profile) {
    const details = key.asymmetricKeyType === 'ec' || key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss' ? key.asymmetricKeyDetails : undefined;
    profile = {
      curve: details?.namedCurve ? NAMED_CURVES[details.namedCurve] : undefined,
      modulusBits: details?.modulusLength,
    };
    profiles.set(key, profile);
  }
  return profile;
}

/** The curve of an EC key as COSE names it, or undefined for other key types and curves. */
export function curveOf(key: KeyObject): 'P-256' | 'P-384' | 'P-521' | undefined {
  return profileOf(key).curve;
}

/**
 * Binds a key imported from a JWK to the algorithm its `alg` member names, so that a key published
 * for one algorithm never verifies signatures labelled with another.
 */
export function restrictKeyToAlgorithm(key: KeyObject, jwkAlg: unknown): KeyObject {
  if (typeof jwkAlg === 'string') profileOf(key).restrictedTo = jwkAlg;
  return key;
}

/** "EC P-256", "RSA 3072", "Ed25519": how a key is named in messages. */
export function describeKey(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return `EC ${curveOf(key) ?? key.asymmetricKeyDetails?.namedCurve ?? 'unknown curve'}`;
    case 'rsa':
    case 'rsa-pss':
      return `RSA ${key.asymmetricKeyDetails?.modulusLength ?? ''}`.trim();
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      return key.asymmetricKeyType ?? 'unknown';
  }
}

/** The algorithm a key signs with unless told otherwise. */
export function defaultAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = curveOf(key);
      if (curve === 'P-256') return algorithmByName('ES256');
      if (curve === 'P-384') return algorithmByName('ES384');
      if (curve === 'P-521') return algorithmByName('ES512');
      throw new KeyError('KEY_UNSUPPORTED', `EC curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'} is not supported (use P-256, P-384 or P-521)`);
    }
    case 'rsa':
    case 'rsa-pss':
      return algorithmByName('PS256');
    case 'ed25519':
      return algorithmByName('EdDSA');
    default:
      throw new KeyError('KEY_UNSUPPORTED', `${describeKey(key)} keys are not supported`);
  }
}

/**
 * Why `key` cannot verify (or, with forSigning, produce) signatures of `algorithm`; undefined when it
 * can. Each algorithm takes one kind of key: ES256 P-256, ES384 P-384, ES512 P-521, PSxxx RSA of
 * MIN_RSA_MODULUS_BITS or more, EdDSA Ed25519; a key from a JWK with `alg` serves that one only.
 */
export function keyMismatch(algorithm: SignatureAlgorithm, key: KeyObject, forSigning = false): string | undefined {
  const type = key.asymmetricKeyType;
  const profile = profileOf(key);
  const verb = forSigning ? 'sign' : 'verify';
  switch (algorithm.family) {
    case 'ecdsa':
      if (type !== 'ec' || profile.curve !== algorithm.curve) return `an ${describeKey(key)} key cannot ${verb} ${algorithm.name} (${algorithm.name} takes ${algorithm.curve} keys)`;
      break;
    case 'rsa-pss':
      if (type !== 'rsa' && type !== 'rsa-pss') return `an ${describeKey(key)} key cannot ${verb} ${algorithm.name} (${algorithm.name} takes RSA keys)`;
      if ((profile.modulusBits ?? 0) < MIN_RSA_MODULUS_BITS) {
        return `RSA keys shorter than ${MIN_RSA_MODULUS_BITS} bits are not accepted (this one has ${profile.modulusBits ?? 'an unknown size'})`;
      }
      break;
    case 'eddsa':
      if (type !== 'ed25519') return `an ${describeKey(key)} key cannot ${verb} ${algorithm.name} (countersign's EdDSA takes Ed25519 keys)`;
      break;
  }
  if (profile.restrictedTo !== undefined && profile.restrictedTo !== algorithm.name) {
    return `the key is published for ${profile.restrictedTo.slice(0, 40)} (its JWK alg), not ${algorithm.name}`;
  }
  return undefined;
}

export function assertKeyFits(algorithm: SignatureAlgorithm, key: KeyObject): void {
  const reason = keyMismatch(algorithm, key);
  if (reason) throw new CoseError('COSE_KEY_MISMATCH', reason);
}

/**
 * Why a public key could never verify anything here (an unsupported type or curve, RSA under
 * MIN_RSA_MODULUS_BITS, or a JWK `alg` that countersign does not verify or the key does not fit);
 * undefined when it can. Trust policies refuse such keys when they are read, not at first use.
 */
export function unusableKeyReason(key: KeyObject, jwkAlg?: unknown): string | undefined {
  let algorithm: SignatureAlgorithm | undefined;
  if (jwkAlg === undefined) {
    try {
      algorithm = defaultAlgorithmFor(key);
    } catch (error) {
      return (error as Error).message;
    }
  } else {
    // JWK alg values are case-sensitive (RFC 7517 section 4.4), and JOSE names these algorithms as COSE does.
    algorithm = SIGNATURE_ALGORITHMS.find((candidate) => candidate.name === jwkAlg);
    if (!algorithm) return `its JWK alg ${JSON.stringify(jwkAlg)?.slice(0, 40)} is not one countersign verifies`;
  }
  return keyMismatch(algorithm, key);
}

function parseJwk(text: string): JsonWebKey | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as JsonWebKey) : undefined;
  } catch {
    throw new KeyError('KEY_UNREADABLE', 'key file looks like JSON but does not parse');
  }
}

function asText(material: string | Uint8Array): string {
  return typeof material === 'string' ? material : Buffer.from(material).toString('utf8');
}

/** Reads a private key from PEM (PKCS#8, SEC1 or PKCS#1) or a JWK with its private part. */
export function readPrivateKey(material: string | Uint8Array): KeyObject {
  const text = asText(material);
  if (/ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new KeyError('KEY_UNREADABLE', 'encrypted private keys are not supported: decrypt it or use a key held in Key Vault');
  }
  const jwk = parseJwk(text);
  if (jwk && jwk.d === undefined) throw new KeyError('KEY_NOT_PRIVATE', 'the JWK holds a public key only; signing needs the private key');
  if (!jwk && /-----BEGIN (PUBLIC KEY|CERTIFICATE)/.test(text)) {
    throw new KeyError('KEY_NOT_PRIVATE', 'the file holds a public key or certificate; signing needs the private key');
  }
  try {
    return jwk ? createPrivateKey({ key: jwk, format: 'jwk' }) : createPrivateKey(typeof material === 'string' ? material : Buffer.from(material));
  } catch {
    throw new KeyError('KEY_UNREADABLE', 'not a readable private key (expected PEM or JWK)');
  }
}

/** Reads a public key from a PEM public key, a PEM certificate, a private key (its public half) or a JWK. */
export function readPublicKey(material: string | Uint8Array): KeyObject {
  const text = asText(material);
  const jwk = parseJwk(text);
  try {
    if (jwk) return createPublicKey({ key: jwk, format: 'jwk' });
    if (text.includes('-----BEGIN CERTIFICATE')) return new X509Certificate(text).publicKey;
    return createPublicKey(typeof material === 'string' ? material : Buffer.from(material));
  } catch {
    throw new KeyError('KEY_UNREADABLE', 'not a readable public key (expected PEM, certificate or JWK)');
  }
}

/**
 * countersign's key id: lower-case hex of SHA-256 over the DER SubjectPublicKeyInfo, the same form
 * Microsoft's transparency service uses for its receipt kids.
 */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function publicJwkOf(key: KeyObject): JsonWebKey {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ format: 'jwk' });
}
