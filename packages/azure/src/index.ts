export { AzureError, type AzureErrorCode } from './errors.js';
export { parseKeyVaultKeyUrl, keyVersionUrl, type KeyVaultKeyUrl, type KeyVaultKind } from './key-url.js';
export { KeyVaultSigner, type KeyVaultSignerOptions } from './key-vault-signer.js';
export { KeyVersions, type VaultKeyVersion } from './rotate-key-version.js';
export { parseRotationPolicy, type RotationPolicy } from './rotation-policy.js';
export { taskVaultConnection, typedFailureCredential, vaultClientOptions, type TaskVaultAccess, type VaultClientOptions, type VaultConnection } from './vault-connection.js';
export {
  AZURE_PIPELINES_VARIABLES,
  CREDENTIAL_CHOICES,
  GITHUB_OIDC_VARIABLES,
  MANAGED_IDENTITY_VARIABLES,
  parseCredentialChoice,
  selectCredential,
  type CredentialChoice,
  type CredentialPlan,
  type Environment,
} from './credentials/select-credential.js';
export { azureCredential, credentialFromPlan } from './credentials/create-credential.js';
export { EmulatorCredential, EMULATOR_TOKEN } from './credentials/emulator-credential.js';
export { TOKEN_EXCHANGE_AUDIENCE } from './credentials/github-oidc-assertion.js';
export {
  startKeyVaultEmulator,
  SUPPORTED_API_VERSIONS,
  type EmulatorCounters,
  type KeyVaultEmulatorOptions,
  type RunningKeyVaultEmulator,
} from './emulator/key-vault-emulator.js';
export { parseKeySpec, KeySpecError, type NamedKeySpec } from './emulator/key-spec.js';
export type { VaultFlavor } from './emulator/answers.js';
export { ThrottleGate, MAX_RETRY_AFTER_MS, SIGN_MAX_RETRIES } from './throttle-gate.js';
export { parseKeyVaultCertificateReference, type KeyVaultCertificateUrl } from './certificate-url.js';
export { readVaultCertificateLeaf, type VaultCertificateLeaf } from './key-vault-certificate.js';
export { credentialTokenProvider, CONFIDENTIAL_LEDGER_SCOPE, type AccessTokenCredential } from './credentials/token-provider.js';
