import { createHash, createPrivateKey, createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { algorithmByName, type SignatureAlgorithm } from './algorithms.js';
import { CoseError, KeyError } from './errors.js';

const NAMED_CURVES: Record<string, 'P-256' | 'P-384' | 'P-521'> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

// asymmetricKeyDetails builds a new object on every read, and verification asks for the curve each time.
const curves = new WeakMap<KeyObject, 'P-256' | 'P-384' | 'P-521' | undefined>();

/** The curve of an EC key as COSE names it, or undefined for other key types. */
export function curveOf(key: KeyObject): 'P-256' | 'P-384' | 'P-521' | undefined {
  if (key.asymmetricKeyType !== 'ec') return undefined;
  if (!curves.has(key)) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    curves.set(key, curve ? NAMED_CURVES[curve] : undefined);
  }
  return curves.get(key);
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

/** Why `key` cannot verify (or, with forSigning, produce) signatures of `algorithm`; undefined when it can. */
export function keyMismatch(algorithm: SignatureAlgorithm, key: KeyObject, forSigning = false): string | undefined {
  const type = key.asymmetricKeyType;
  const fits =
    algorithm.family === 'ecdsa'
      ? type === 'ec' && curveOf(key) !== undefined && (!forSigning || curveOf(key) === algorithm.curve)
      : algorithm.family === 'rsa-pss'
        ? type === 'rsa' || type === 'rsa-pss'
        : type === 'ed25519' || type === 'ed448';
  return fits ? undefined : `an ${describeKey(key)} key cannot ${forSigning ? 'sign' : 'verify'} ${algorithm.name}`;
}

export function assertKeyFits(algorithm: SignatureAlgorithm, key: KeyObject): void {
  const reason = keyMismatch(algorithm, key);
  if (reason) throw new CoseError('COSE_KEY_MISMATCH', reason);
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
