import { LocalSigner, type Signer } from '@countersign/core';
import { readInput } from './files.js';

/** The signer a key input names, and for a vault key the version every signature is made with. */
export interface OpenedKey {
  readonly signer: Signer;
  /** Absent for a key file. */
  readonly keyVersionUrl?: string;
}

/** A key input is either a Key Vault / Managed HSM key URL or a key file path: only the URL is https. */
export function isKeyVaultUrl(key: string): boolean {
  return /^https:\/\//i.test(key);
}

/**
 * Opens a key input: a key file (PEM or JWK) here, a vault key URL through the front end's
 * `openVaultKey`, so that the Azure SDKs load only in a front end and only when a URL is given.
 */
export async function openSigningKey(key: string, openVaultKey: (keyUrl: string) => Promise<Signer & { readonly keyVersionUrl: string }>): Promise<OpenedKey> {
  if (!isKeyVaultUrl(key)) return { signer: LocalSigner.from(await readInput(key, 'key', 1024 * 1024)) };
  const signer = await openVaultKey(key);
  return { signer, keyVersionUrl: signer.keyVersionUrl };
}
