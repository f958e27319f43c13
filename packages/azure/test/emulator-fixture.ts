import { KeyClient } from '@azure/keyvault-keys';
import { EmulatorCredential } from '../src/credentials/emulator-credential.js';
import { startKeyVaultEmulator, type KeyVaultEmulatorOptions, type RunningKeyVaultEmulator } from '../src/emulator/key-vault-emulator.js';
import { vaultClientOptions, type VaultConnection } from '../src/vault-connection.js';

export interface EmulatorFixture {
  emulator: RunningKeyVaultEmulator;
  connection: VaultConnection;
  /** The real SDK client, trusting this run's CA only. */
  keys: KeyClient;
}

/** A running emulator and the connection the SDK uses to reach it over HTTPS; throttled answers retry at once. */
export async function startEmulatorFixture(options: KeyVaultEmulatorOptions = {}): Promise<EmulatorFixture> {
  const emulator = await startKeyVaultEmulator({ retryAfterSeconds: 0, ...options });
  const connection: VaultConnection = { credential: new EmulatorCredential(), emulatorCaPem: emulator.caPem };
  return { emulator, connection, keys: new KeyClient(emulator.url, connection.credential, vaultClientOptions(connection)) };
}
