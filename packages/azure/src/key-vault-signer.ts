import { createHash, type KeyObject } from 'node:crypto';
import { CryptographyClient, KeyClient, type KeyVaultKey, type SignatureAlgorithm as VaultSignatureAlgorithm } from '@azure/keyvault-keys';
import { keyIdOf, verifyWithKey, type Signer, type SignatureAlgorithm } from '@countersign/core';
import { AzureError } from './errors.js';
import { keyVersionUrl, parseKeyVaultKeyUrl, type KeyVaultKeyUrl } from './key-url.js';
import { publicKeyOfVaultKey } from './public-key.js';
import { signingAlgorithmFor } from './signing-algorithm.js';
import { SIGN_MAX_RETRIES, ThrottleGate } from './throttle-gate.js';
import { typedFailureCredential, vaultClientOptions, type VaultConnection } from './vault-connection.js';
import { vaultFailure } from './vault-errors.js';

export interface KeyVaultSignerOptions extends VaultConnection {
  /** https://NAME.vault.azure.net/keys/KEY[/VERSION] or the Managed HSM form; other hosts only with emulatorCaPem. */
  readonly keyUrl: string;
  /** ES256/384/512 follow the key's curve; RSA keys default to PS256. */
  readonly algorithm?: string;
}

/**
 * A Signer whose private key stays in Azure Key Vault or Managed HSM. The key version is resolved and
 * its public key fetched once, when the signer is opened; every signature the vault returns is checked
 * with that public key before it is handed out, so a vault (or a path to it) that answers wrongly can
 * never produce a statement.
 */
export class KeyVaultSigner implements Signer {
  readonly keyId: Uint8Array;
  /** The hex SHA-256 of the version's SubjectPublicKeyInfo: the kid a local key with this public half gets. */
  readonly keyIdHex: string;

  /** Settles when the client's first signature request has an answer, whatever it was. */
  private firstAnswer: Promise<void> | undefined;

  private constructor(
    readonly algorithm: SignatureAlgorithm,
    /** https://NAME.vault.azure.net/keys/KEY/VERSION: the version every signature is made with. */
    readonly keyVersionUrl: string,
    private readonly verificationKey: KeyObject,
    private readonly cryptography: CryptographyClient,
    /** The throttle window all of this signer's requests share; its count tells how often the vault throttled. */
    readonly throttleGate: ThrottleGate,
  ) {
    this.keyIdHex = keyIdOf(verificationKey);
    this.keyId = new TextEncoder().encode(this.keyIdHex);
  }

  static async open(options: KeyVaultSignerOptions): Promise<KeyVaultSigner> {
    const key = parseKeyVaultKeyUrl(options.keyUrl, { emulator: options.emulatorCaPem !== undefined });
    const clientOptions = vaultClientOptions(options);
    const credential = typedFailureCredential(options.credential);
    const vaultKey = await fetchKeyVersion(new KeyClient(key.vaultUrl, credential, clientOptions), key);
    const version = vaultKey.properties.version;
    if (!version) throw new AzureError('AZURE_SERVICE_ERROR', `${options.keyUrl}: the vault did not name the key's version`);
    const versionUrl = keyVersionUrl(key, version);
    if (vaultKey.properties.enabled === false) throw new AzureError('AZURE_KEY_DISABLED', `${versionUrl} is disabled`);
    const publicKey = publicKeyOfVaultKey(vaultKey.key, versionUrl);
    const algorithm = signingAlgorithmFor(publicKey, versionUrl, options.algorithm);
    if (vaultKey.keyOperations && !vaultKey.keyOperations.includes('sign')) {
      throw new AzureError('AZURE_FORBIDDEN', `${versionUrl} does not permit the sign operation (its key_ops are ${vaultKey.keyOperations.join(', ')})`);
    }
    // Built from the fetched key, the client signs with exactly this version and does not fetch it again.
    // Signing is what a batch does hundreds of times at once, so it gets the larger retry budget and the
    // shared throttle window: a throttled vault slows the batch down instead of failing it.
    const throttleGate = new ThrottleGate();
    const cryptography = new CryptographyClient(vaultKey, credential, {
      ...vaultClientOptions({ ...options, maxRetries: options.maxRetries ?? SIGN_MAX_RETRIES }),
      additionalPolicies: [throttleGate.policy],
    });
    return new KeyVaultSigner(algorithm, versionUrl, publicKey, cryptography, throttleGate);
  }

  async sign(toBeSigned: Uint8Array): Promise<Uint8Array> {
    const digest = createHash(this.algorithm.hash as string).update(toBeSigned).digest();
    let signature: Uint8Array;
    try {
      // Key Vault's ES* signatures are already the fixed-length r||s COSE wants; nothing is converted.
      signature = (await this.vaultSign(digest)).result;
    } catch (error) {
      throw vaultFailure(error, `signing with ${this.keyVersionUrl}`);
    }
    let verified = false;
    try {
      verified = verifyWithKey(this.algorithm, this.verificationKey, toBeSigned, signature);
    } catch {
      verified = false;
    }
    if (!verified) {
      throw new AzureError('AZURE_BAD_SIGNATURE', `${this.keyVersionUrl} returned a ${this.algorithm.name} signature that its own public key does not verify; nothing was signed`);
    }
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
  }

  async publicKey(): Promise<KeyObject> {
    return this.verificationKey;
  }

  /**
   * The SDK's Key Vault authentication sends a new client's first request without its body to draw the
   * bearer challenge, and puts the body back only if no other request's challenge has finished first:
   * a batch that starts many signatures at once can have its first one reach the vault empty (400
   * BadParameter). So the first signature goes alone, and the rest follow once it has an answer.
   */
  private vaultSign(digest: Uint8Array): ReturnType<CryptographyClient['sign']> {
    const send = () => this.cryptography.sign(this.algorithm.name as VaultSignatureAlgorithm, digest);
    if (this.firstAnswer === undefined) {
      const first = send();
      this.firstAnswer = first.then(
        () => undefined,
        () => undefined,
      );
      return first;
    }
    return this.firstAnswer.then(send);
  }
}

async function fetchKeyVersion(client: KeyClient, key: KeyVaultKeyUrl): Promise<KeyVaultKey> {
  const shown = key.version ? keyVersionUrl(key, key.version) : `${key.vaultUrl}/keys/${key.name}`;
  try {
    return await client.getKey(key.name, key.version ? { version: key.version } : {});
  } catch (error) {
    throw vaultFailure(error, `reading ${shown}`);
  }
}
