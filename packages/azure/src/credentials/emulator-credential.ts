import type { AccessToken, TokenCredential } from '@azure/identity';

/** The token the Key Vault emulator accepts; it grants nothing anywhere else. */
export const EMULATOR_TOKEN = 'countersign-key-vault-emulator';

/** A credential for the project's emulator only: selected by name, never by `default`. */
export class EmulatorCredential implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: EMULATOR_TOKEN, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
  }
}
