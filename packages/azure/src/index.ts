export { AzureError, type AzureErrorCode } from './errors.js';
export { parseKeyVaultKeyUrl, keyVersionUrl, type KeyVaultKeyUrl, type KeyVaultKind } from './key-url.js';
export { KeyVaultSigner, type KeyVaultSignerOptions } from './key-vault-signer.js';
export { vaultClientOptions, type VaultConnection } from './vault-connection.js';
