import { LocalSigner, parsePemCertificates, type Signer } from '@countersign/core';
import { readInput, readTextInput, type Host } from '@countersign/steps';
import { azureSignIn } from './azure-sign-in.js';
import { TaskError } from './errors.js';

export interface OpenedKey {
  signer: Signer;
  /** The Key Vault key version every signature is made with; absent for a key file. */
  keyVersionUrl?: string;
}

export function isKeyVaultUrl(key: string): boolean {
  return /^https:\/\//i.test(key);
}

/** The signer the `key` input names: a key file (PEM or JWK, e.g. a secure file), or a Key Vault / Managed HSM key URL. */
export async function openSigningKey(key: string, connectionId: string | undefined, host: Host): Promise<OpenedKey> {
  if (!isKeyVaultUrl(key)) {
    if (connectionId !== undefined) throw new TaskError('TASK_INPUT_INVALID', 'azureSubscription', 'applies to a Key Vault key URL, not to a key file');
    return { signer: LocalSigner.from(await readInput(key, 'key', 1024 * 1024)) };
  }
  const { KeyVaultSigner } = await import('@countersign/azure');
  const signer = await KeyVaultSigner.open({ keyUrl: key, credential: await azureSignIn(connectionId, host) });
  return { signer, keyVersionUrl: signer.keyVersionUrl };
}

export async function readCertificateChain(path: string): Promise<Uint8Array[]> {
  return parsePemCertificates(await readTextInput(path, 'certificate chain'));
}
