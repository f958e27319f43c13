import { LocalSigner, type Signer } from '@countersign/core';
import { readInput, readTextInput, type Host } from '@countersign/steps';
import { credential, isKeyVaultUrl, loadAzure } from './azure.js';
import { optional } from './inputs.js';

/**
 * How the actions that use a Key Vault key reach it. With key-vault-ca (the CA `countersign dev
 * key-vault` printed) it is the emulator, trusted through that CA alone and signed in with the
 * emulator's credential, so a workflow can be tried without a vault; otherwise the Azure sign-in.
 */
export async function vaultConnection(host: Host) {
  const emulatorCa = optional('key-vault-ca');
  if (emulatorCa === undefined) return { credential: await credential(host) };
  const { EmulatorCredential } = await loadAzure();
  host.debug('Key Vault: the emulator, through the CA in key-vault-ca');
  return { credential: new EmulatorCredential(), emulatorCaPem: await readTextInput(emulatorCa, 'Key Vault emulator CA') };
}

/** A key file (PEM or JWK), or a Key Vault / Managed HSM key resolved to one version. */
export async function openSigner(key: string, host: Host): Promise<{ signer: Signer; keyVersionUrl?: string }> {
  if (!isKeyVaultUrl(key)) return { signer: LocalSigner.from(await readInput(key, 'key', 1024 * 1024)) };
  const { KeyVaultSigner } = await loadAzure();
  const signer = await KeyVaultSigner.open({ keyUrl: key, ...(await vaultConnection(host)) });
  return { signer, keyVersionUrl: signer.keyVersionUrl };
}
