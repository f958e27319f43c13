import type { AccessToken, TokenCredential } from '@azure/identity';
import type { CryptographyClientOptions, KeyClientOptions } from '@azure/keyvault-keys';
import { parsePemCertificates, X509Error } from '@countersign/core';
import { EmulatorCredential } from './credentials/emulator-credential.js';
import { AzureError } from './errors.js';

/** How the SDK clients reach a vault: the credential, and for the project's emulator the CA it prints. */
export interface VaultConnection {
  readonly credential: TokenCredential;
  /**
   * The emulator's CA certificate (PEM). Given only for the emulator: its certificate is trusted for
   * this client alone (the process-wide CA store is untouched), and the bearer challenge may name a
   * resource that is not the emulator's host name.
   */
  readonly emulatorCaPem?: string;
  /** Retries of throttled (429) and failed requests; the SDK's default is 3. */
  readonly maxRetries?: number;
}

/** Options every Key Vault client accepts (keys, cryptography, certificates). */
export type VaultClientOptions = Pick<KeyClientOptions & CryptographyClientOptions, 'tlsOptions' | 'disableChallengeResourceVerification' | 'retryOptions' | 'additionalPolicies'>;

export function vaultClientOptions(connection: VaultConnection): VaultClientOptions {
  const retryOptions = connection.maxRetries !== undefined ? { retryOptions: { maxRetries: connection.maxRetries } } : {};
  if (connection.emulatorCaPem === undefined) return { ...retryOptions };
  return {
    ...retryOptions,
    tlsOptions: { ca: connection.emulatorCaPem },
    disableChallengeResourceVerification: true,
  };
}

/**
 * The connection's credential, made to fail with a typed error when it yields no token: the SDK
 * would otherwise report an untyped "failed to refresh" or a 401 with no hint of the cause. The
 * credential's own message is not kept, since identity errors may quote request details.
 */
export function typedFailureCredential(credential: TokenCredential): TokenCredential {
  return {
    async getToken(scopes, options) {
      let token: AccessToken | null;
      try {
        token = await credential.getToken(scopes, options);
      } catch (error) {
        if (error instanceof AzureError) throw error;
        const kind = error instanceof Error ? error.name : 'unknown error';
        throw new AzureError('AZURE_TOKEN_REFUSED', `the Azure credential could not get a token for ${[scopes].flat().join(' ')} (${kind})`);
      }
      if (!token) throw new AzureError('AZURE_TOKEN_REFUSED', `the Azure credential returned no token for ${[scopes].flat().join(' ')}`);
      return token;
    },
  };
}

/** How a CI task reaches Key Vault: its own Azure sign-in, or the emulator when given the CA the emulator printed. */
export interface TaskVaultAccess {
  /** The CA file `countersign dev key-vault` printed (GitHub's key-vault-ca, Azure DevOps' keyVaultCa); absent for a real vault. */
  readonly emulatorCa?: string;
  /** Reads that file, failing as the task fails for any unreadable input file. */
  readonly readText: (path: string, role: string) => Promise<string>;
  readonly signIn: () => Promise<TokenCredential>;
  readonly debug: (message: string) => void;
}

/**
 * The connection a CI task's Key Vault inputs describe. With the emulator's CA: that CA trusted by the
 * vault clients alone and the emulator's credential, so a pipeline can be tried without a vault, and
 * no sign-in attempted. Otherwise the task's sign-in, failing with a typed error.
 */
export async function taskVaultConnection(access: TaskVaultAccess): Promise<VaultConnection> {
  if (access.emulatorCa === undefined) return { credential: typedFailureCredential(await access.signIn()) };
  access.debug(`Key Vault: the emulator, trusted through the CA in ${access.emulatorCa} alone`);
  const emulatorCaPem = await access.readText(access.emulatorCa, 'Key Vault emulator CA');
  // Checked here: TLS would only say the vault's certificate is not trusted, not that the file holds none.
  try {
    parsePemCertificates(emulatorCaPem);
  } catch (error) {
    if (error instanceof X509Error) throw new X509Error(error.code, `Key Vault emulator CA ${access.emulatorCa}: ${error.message}`);
    throw error;
  }
  return { credential: new EmulatorCredential(), emulatorCaPem };
}
