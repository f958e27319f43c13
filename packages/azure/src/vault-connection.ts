import type { TokenCredential } from '@azure/identity';
import type { CryptographyClientOptions, KeyClientOptions } from '@azure/keyvault-keys';

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

export function vaultClientOptions(connection: VaultConnection): KeyClientOptions & CryptographyClientOptions {
  const retryOptions = connection.maxRetries !== undefined ? { retryOptions: { maxRetries: connection.maxRetries } } : {};
  if (connection.emulatorCaPem === undefined) return { ...retryOptions };
  return {
    ...retryOptions,
    tlsOptions: { ca: connection.emulatorCaPem },
    disableChallengeResourceVerification: true,
  };
}
