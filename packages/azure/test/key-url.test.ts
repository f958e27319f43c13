import { describe, expect, it } from '@jest/globals';
import { parseKeyVaultKeyUrl } from '../src/key-url.js';
import { errorCode } from './error-code.js';

describe('Key Vault key URLs', () => {
  it('reads vault and Managed HSM key URLs, with and without a version', () => {
    expect(parseKeyVaultKeyUrl('https://release-kv.vault.azure.net/keys/signing')).toEqual({ vaultUrl: 'https://release-kv.vault.azure.net', name: 'signing', kind: 'vault' });
    expect(parseKeyVaultKeyUrl('https://release-kv.vault.azure.net/keys/signing/0123456789abcdef0123456789abcdef/')).toMatchObject({ version: '0123456789abcdef0123456789abcdef' });
    expect(parseKeyVaultKeyUrl('https://hsm1.managedhsm.azure.net/keys/k1/v1')).toEqual({ vaultUrl: 'https://hsm1.managedhsm.azure.net', name: 'k1', version: 'v1', kind: 'managed-hsm' });
  });

  it('refuses what is not a key URL', () => {
    for (const url of [
      'not a url',
      'http://release-kv.vault.azure.net/keys/signing',
      'https://release-kv.vault.azure.net/secrets/signing',
      'https://release-kv.vault.azure.net/keys/',
      'https://release-kv.vault.azure.net/keys/signing/v1/sign',
      'https://release-kv.vault.azure.net/keys/bad_name',
      'https://release-kv.vault.azure.net/keys/signing?api-version=7.5',
      'https://vault.azure.net.attacker.example/keys/signing',
      'https://127.0.0.1:8443/keys/signing',
    ]) {
      expect([url, errorCode(() => parseKeyVaultKeyUrl(url))]).toEqual([url, 'AZURE_NOT_A_KEY_URL']);
    }
  });

  it('accepts another host only when told it is the emulator', () => {
    expect(parseKeyVaultKeyUrl('https://127.0.0.1:8443/keys/signing', { emulator: true })).toMatchObject({ vaultUrl: 'https://127.0.0.1:8443', kind: 'emulator' });
  });
});
