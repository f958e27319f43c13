import type { VaultConnection } from '@countersign/azure';
import { parsePemCertificates } from '@countersign/core';
import { isKeyVaultUrl, openSigningKey as openKeyInput, readTextInput, type Host, type OpenedKey } from '@countersign/steps';
import { azureSignIn } from './azure-sign-in.js';
import { TaskError } from './errors.js';

/** How a task reaches a Key Vault key: the keyVaultCa input (the emulator's CA) if given, else the azureSubscription service connection. */
export interface VaultInputs {
  connectionId?: string;
  emulatorCa?: string;
}

export async function vaultConnection(inputs: VaultInputs, host: Host): Promise<VaultConnection> {
  const { taskVaultConnection } = await import('@countersign/azure');
  return taskVaultConnection({ emulatorCa: inputs.emulatorCa, readText: readTextInput, signIn: () => azureSignIn(inputs.connectionId, host), debug: (message) => host.debug(message) });
}

/** The signer the `key` input names: a key file (PEM or JWK, e.g. a secure file), or a Key Vault / Managed HSM key URL. */
export async function openSigningKey(key: string, vault: VaultInputs, host: Host): Promise<OpenedKey> {
  if (!isKeyVaultUrl(key)) {
    if (vault.connectionId !== undefined) throw new TaskError('TASK_INPUT_INVALID', 'azureSubscription', 'applies to a Key Vault key URL, not to a key file');
    if (vault.emulatorCa !== undefined) throw new TaskError('TASK_INPUT_INVALID', 'keyVaultCa', 'applies to a Key Vault key URL, not to a key file');
  }
  return openKeyInput(key, async (keyUrl) => (await import('@countersign/azure')).KeyVaultSigner.open({ keyUrl, ...(await vaultConnection(vault, host)) }));
}

export async function readCertificateChain(path: string): Promise<Uint8Array[]> {
  return parsePemCertificates(await readTextInput(path, 'certificate chain'));
}
