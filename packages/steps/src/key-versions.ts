import type { KeyObject } from 'node:crypto';

/** One version of a vault key, as a rotation sees it. */
export interface KeyVersion {
  readonly version: string;
  /** The URL that names this version, e.g. https://NAME.vault.azure.net/keys/KEY/VERSION */
  readonly versionUrl: string;
  readonly publicKey: KeyObject;
}

/**
 * The vault operations rotate-key needs, for one key: a port that @countersign/azure's KeyVersions
 * satisfies (the front end opens it), so that the step never imports a vault SDK. `RotationPolicy` is
 * whatever the vault's rotation policy is; the step only hands it back.
 */
export interface KeyVersions<RotationPolicy = unknown> {
  /** The key's name, and the version the key URL named, if it named one. */
  readonly key: { readonly name: string; readonly version?: string };
  /** The key without a version: what a rotation statement's subject names. */
  readonly keyUrl: string;
  /** A version by name, or the latest. */
  read(version?: string): Promise<KeyVersion>;
  /** Sets the key's rotation policy (the vault then rotates on its schedule as well). */
  applyRotationPolicy(policy: RotationPolicy): Promise<void>;
  /** Makes a new version like the latest one, and returns it. */
  rotate(): Promise<KeyVersion>;
  /** Disables one version: it can no longer sign; its public key stays readable. */
  disable(version: string): Promise<void>;
}
