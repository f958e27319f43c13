import { createPublicKey, sign as cryptoSign, constants, type KeyObject } from 'node:crypto';
import { algorithmByName, type SignatureAlgorithm } from './algorithms.js';
import { KeyError } from './errors.js';
import { MIN_RSA_MODULUS_BITS, defaultAlgorithmFor, describeKey, keyIdOf, keyMismatch, readPrivateKey } from './keys.js';

/**
 * The port every signing key sits behind: a local key here, an Azure Key Vault / Managed HSM key
 * later. `sign` receives the complete Sig_structure bytes and returns the COSE signature (raw r||s
 * for ECDSA); a remote signer may hash locally and send only the digest.
 */
export interface Signer {
  readonly algorithm: SignatureAlgorithm;
  /** Bytes placed in the kid header when the statement carries no certificate chain. */
  readonly keyId: Uint8Array;
  sign(toBeSigned: Uint8Array): Promise<Uint8Array>;
  /**
   * The same signature at once, for signers that hold their key in this process: spares callers a
   * promise hop per signature, and `toBeSigned` is read before it returns.
   */
  signNow?(toBeSigned: Uint8Array): Uint8Array;
  /** The verification key, when the signer can tell it (lets a step check its own signature before publishing). */
  publicKey?(): Promise<KeyObject>;
}

/** Produces a COSE signature with node:crypto; shared by the local signer and tests. */
export function signWithKey(algorithm: SignatureAlgorithm, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const signature = signWithNodeCrypto(algorithm, privateKey, data);
  // A plain Uint8Array, like every byte string the codec hands out, so callers never see two kinds.
  return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
}

function signWithNodeCrypto(algorithm: SignatureAlgorithm, privateKey: KeyObject, data: Uint8Array): Buffer {
  switch (algorithm.family) {
    case 'ecdsa':
      return cryptoSign(algorithm.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    case 'rsa-pss':
      return cryptoSign(algorithm.hash, data, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case 'eddsa':
      return cryptoSign(null, data, privateKey);
  }
}

/** A signer over a private key held in this process (PEM or JWK): the embedded default and the test signer. */
export class LocalSigner implements Signer {
  readonly keyId: Uint8Array;
  private readonly verificationKey: KeyObject;

  private constructor(
    private readonly privateKey: KeyObject,
    readonly algorithm: SignatureAlgorithm,
  ) {
    this.verificationKey = createPublicKey(privateKey);
    this.keyId = new TextEncoder().encode(keyIdOf(this.verificationKey));
  }

  /** From a KeyObject, PEM or JWK text; the algorithm defaults to the one the key's type implies. */
  static from(key: KeyObject | string | Uint8Array, algorithmName?: string): LocalSigner {
    const privateKey = typeof key === 'string' || key instanceof Uint8Array ? readPrivateKey(key) : key;
    if (privateKey.type !== 'private') throw new KeyError('KEY_NOT_PRIVATE', 'signing needs a private key');
    const algorithm = algorithmName ? algorithmByName(algorithmName) : defaultAlgorithmFor(privateKey);
    // A short RSA key is refused as the key it is, whatever algorithm was asked of it.
    const modulusLength = privateKey.asymmetricKeyDetails?.modulusLength;
    if ((privateKey.asymmetricKeyType === 'rsa' || privateKey.asymmetricKeyType === 'rsa-pss') && (modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
      throw new KeyError('KEY_UNSUPPORTED', `RSA keys shorter than ${MIN_RSA_MODULUS_BITS} bits are not accepted (this one has ${modulusLength ?? 'an unknown size'})`);
    }
    const mismatch = keyMismatch(algorithm, privateKey, true);
    if (mismatch) throw new KeyError('KEY_ALGORITHM_MISMATCH', mismatch);
    return new LocalSigner(privateKey, algorithm);
  }

  async sign(toBeSigned: Uint8Array): Promise<Uint8Array> {
    return this.signNow(toBeSigned);
  }

  signNow(toBeSigned: Uint8Array): Uint8Array {
    try {
      return signWithKey(this.algorithm, this.privateKey, toBeSigned);
    } catch {
      // OpenSSL refuses some key/parameter pairs outright, e.g. an RSASSA-PSS key restricted to another hash.
      throw new KeyError('KEY_ALGORITHM_MISMATCH', `this ${describeKey(this.privateKey)} key cannot sign ${this.algorithm.name}`);
    }
  }

  async publicKey(): Promise<KeyObject> {
    return this.verificationKey;
  }
}
