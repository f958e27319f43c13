import type { KeyObject } from 'node:crypto';
import { KeyClient, type KeyRotationPolicyProperties, type KeyVaultKey } from '@azure/keyvault-keys';
import { AzureError } from './errors.js';
import { keyVersionUrl, parseKeyVaultKeyUrl, type KeyVaultKeyUrl } from './key-url.js';
import { publicKeyOfVaultKey } from './public-key.js';
import { typedFailureCredential, vaultClientOptions, type VaultConnection } from './vault-connection.js';
import { vaultFailure } from './vault-errors.js';

/** One version of a Key Vault key, as a rotation sees it. */
export interface VaultKeyVersion {
  readonly version: string;
  /** https://NAME.vault.azure.net/keys/KEY/VERSION */
  readonly versionUrl: string;
  readonly publicKey: KeyObject;
  readonly enabled: boolean;
}

/**
 * The Key Vault side of a key rotation, on the real @azure/keyvault-keys SDK: read versions, apply a
 * rotation policy, make a new version, disable an old one. Every failure is one typed AzureError.
 */
export class KeyVersions {
  private constructor(
    readonly key: KeyVaultKeyUrl,
    private readonly client: KeyClient,
  ) {}

  static open(options: VaultConnection & { keyUrl: string }): KeyVersions {
    const key = parseKeyVaultKeyUrl(options.keyUrl, { emulator: options.emulatorCaPem !== undefined });
    return new KeyVersions(key, new KeyClient(key.vaultUrl, typedFailureCredential(options.credential), vaultClientOptions(options)));
  }

  /** The key without a version: what a rotation's subject names. */
  get keyUrl(): string {
    return `${this.key.vaultUrl}/keys/${this.key.name}`;
  }

  /** A version by name, or the latest (the one Key Vault serves for the key without a version). */
  async read(version?: string): Promise<VaultKeyVersion> {
    const shown = version ? keyVersionUrl(this.key, version) : this.keyUrl;
    let found: KeyVaultKey;
    try {
      found = await this.client.getKey(this.key.name, version ? { version } : {});
    } catch (error) {
      throw vaultFailure(error, `reading ${shown}`);
    }
    return this.described(found, shown);
  }

  /** Sets the key's rotation policy (Key Vault then rotates on its schedule as well). */
  async applyRotationPolicy(policy: KeyRotationPolicyProperties): Promise<void> {
    try {
      await this.client.updateKeyRotationPolicy(this.key.name, policy);
    } catch (error) {
      throw vaultFailure(error, `setting the rotation policy of ${this.keyUrl}`);
    }
  }

  /** Makes a new version with the latest one's type, size and operations, and returns it. */
  async rotate(): Promise<VaultKeyVersion> {
    let rotated: KeyVaultKey;
    try {
      rotated = await this.client.rotateKey(this.key.name);
    } catch (error) {
      throw vaultFailure(error, `rotating ${this.keyUrl}`);
    }
    return this.described(rotated, this.keyUrl);
  }

  /** Disables one version: it can no longer sign, and Key Vault keeps it (its public key stays readable). */
  async disable(version: string): Promise<void> {
    try {
      await this.client.updateKeyProperties(this.key.name, version, { enabled: false });
    } catch (error) {
      throw vaultFailure(error, `disabling ${keyVersionUrl(this.key, version)}`);
    }
  }

  private described(found: KeyVaultKey, shown: string): VaultKeyVersion {
    const version = found.properties.version;
    if (!version) throw new AzureError('AZURE_SERVICE_ERROR', `${shown}: the vault did not name the key's version`);
    const versionUrl = keyVersionUrl(this.key, version);
    return { version, versionUrl, publicKey: publicKeyOfVaultKey(found.key, versionUrl), enabled: found.properties.enabled !== false };
  }
}
