import type { VaultConnection } from '@countersign/azure';
import type { Signer } from '@countersign/core';
import { CliError } from '../errors.js';
import { isKeyVaultUrl, readTextInput } from '@countersign/steps';
import { loadAzure } from './load-azure.js';
import { localSignerFromFile } from './signer-from-file.js';

/** Where a signing key lives, as every command that signs is told. */
export interface KeyChoice {
  /** A key file (PEM or JWK), or a Key Vault / Managed HSM key URL. */
  key: string;
  algorithm?: string;
  /** default | github-oidc | azure-pipelines | managed-identity | emulator; Key Vault keys only. */
  azureCredential?: string;
  /** The CA certificate `countersign dev key-vault` printed; only with the emulator credential. */
  keyVaultCa?: string;
}

export interface OpenedSigner {
  signer: Signer;
  /** The Key Vault key version every signature is made with; absent for a key file. */
  keyVersionUrl?: string;
}

/** The option specs of KeyChoice, shared by every command that signs. */
export const KEY_OPTIONS = {
  key: { type: 'string' },
  alg: { type: 'string' },
  'azure-credential': { type: 'string' },
  'key-vault-ca': { type: 'string' },
} as const;

export const KEY_OPTIONS_HELP = `  --key            a private key file (PEM or JWK), or a Key Vault / Managed HSM key URL:
                   https://NAME.vault.azure.net/keys/KEY[/VERSION], https://NAME.managedhsm.azure.net/keys/KEY[/VERSION]
  --alg            signature algorithm (default: the one the key's type implies; ES256 for P-256, PS256 for RSA)
  --azure-credential  how to sign in to Key Vault: default (picks by environment), github-oidc,
                   azure-pipelines, managed-identity, or emulator (with --key-vault-ca)
  --key-vault-ca   the CA PEM that "countersign dev key-vault" printed`;

export { isKeyVaultUrl };

/** Opens the signer a KeyChoice names: a local key, or a Key Vault key resolved to one version. */
export async function openSigner(choice: KeyChoice, env: NodeJS.ProcessEnv = process.env): Promise<OpenedSigner> {
  if (!isKeyVaultUrl(choice.key)) {
    if (choice.azureCredential !== undefined || choice.keyVaultCa !== undefined) {
      throw new CliError('USAGE', '--azure-credential and --key-vault-ca apply to a Key Vault key URL, not to a key file');
    }
    return { signer: await localSignerFromFile(choice.key, choice.algorithm) };
  }
  const { KeyVaultSigner } = await loadAzure();
  const signer = await KeyVaultSigner.open({ keyUrl: choice.key, algorithm: choice.algorithm, ...(await vaultConnection(choice, env)) });
  return { signer, keyVersionUrl: signer.keyVersionUrl };
}

/** The credential and, for the emulator, the CA to trust: what every Key Vault client of the CLI needs. */
export async function vaultConnection(choice: Pick<KeyChoice, 'azureCredential' | 'keyVaultCa'>, env: NodeJS.ProcessEnv = process.env): Promise<VaultConnection> {
  const { azureCredential, parseCredentialChoice } = await loadAzure();
  const credentialChoice = parseCredentialChoice(choice.azureCredential ?? 'default');
  if ((credentialChoice === 'emulator') !== (choice.keyVaultCa !== undefined)) {
    throw new CliError('USAGE', '--azure-credential emulator and --key-vault-ca go together: the emulator is trusted only through the CA it printed');
  }
  const emulatorCaPem = choice.keyVaultCa === undefined ? undefined : await readTextInput(choice.keyVaultCa, 'Key Vault emulator CA');
  return { credential: azureCredential(credentialChoice, env).credential, ...(emulatorCaPem === undefined ? {} : { emulatorCaPem }) };
}
