import { CountersignError } from '@countersign/core';

export type AzureErrorCode =
  | 'AZURE_NOT_A_KEY_URL' // not https://NAME.vault.azure.net/keys/KEY[/VERSION] or the Managed HSM form
  | 'AZURE_KEY_NOT_FOUND' // no such key, or no such version of it
  | 'AZURE_KEY_DISABLED' // the key version exists but is disabled (or outside its validity window)
  | 'AZURE_KEY_TYPE_MISMATCH' // the key's type, curve or size cannot make the asked algorithm
  | 'AZURE_TOKEN_REFUSED' // no token could be had, or the vault refused the one sent
  | 'AZURE_FORBIDDEN' // the identity lacks the permission for the operation
  | 'AZURE_BAD_SIGNATURE' // the vault answered with a signature the key's public half does not verify
  | 'AZURE_ROTATION_POLICY_INVALID' // a rotation policy file that is not one Key Vault accepts
  | 'AZURE_CREDENTIAL_UNAVAILABLE' // the chosen credential needs environment variables that are not set
  | 'AZURE_THROTTLED' // still answered 429 after the retry budget, or asked to wait longer than countersign waits
  | 'AZURE_NOT_A_CERTIFICATE_URL' // not https://NAME.vault.azure.net/certificates/NAME[/VERSION] nor a certificate name
  | 'AZURE_CERTIFICATE_NOT_FOUND' // no such certificate, or no such version of it
  | 'AZURE_CERTIFICATE_NOT_ISSUED' // the certificate exists but holds no issued certificate yet (pending, awaiting merge)
  | 'AZURE_CERTIFICATE_DISABLED' // the certificate version is disabled
  | 'AZURE_SERVICE_ERROR'; // anything else the vault or the network answered (5xx, TLS)

/** Failures of Key Vault / Managed HSM signing and of credential selection; always one line, never a token. */
export class AzureError extends CountersignError<AzureErrorCode> {
  readonly area = 'azure';
}
