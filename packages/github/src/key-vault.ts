import { openSigningKey, readTextInput, type Host, type OpenedKey } from '@countersign/steps';
import { credential, loadAzure } from './azure.js';
import { optional } from './inputs.js';

/**
 * How the actions that use a Key Vault key reach it. With key-vault-ca (the CA `countersign dev
 * key-vault` printed) it is the emulator, so a workflow can be tried without a vault; otherwise the
 * Azure sign-in of azure-client-id and azure-tenant-id.
 */
export async function vaultConnection(host: Host) {
  const { taskVaultConnection } = await loadAzure();
  return taskVaultConnection({ emulatorCa: optional('key-vault-ca'), readText: readTextInput, signIn: () => credential(host), debug: (message) => host.debug(message) });
}

/** A key file (PEM or JWK), or a Key Vault / Managed HSM key resolved to one version. */
export function openSigner(key: string, host: Host): Promise<OpenedKey> {
  return openSigningKey(key, async (keyUrl) => (await loadAzure()).KeyVaultSigner.open({ keyUrl, ...(await vaultConnection(host)) }));
}
