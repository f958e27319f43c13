import { CertificateClient, type KeyVaultCertificate } from '@azure/keyvault-certificates';
import { AzureError } from './errors.js';
import type { KeyVaultCertificateUrl } from './certificate-url.js';
import { typedFailureCredential, vaultClientOptions, type VaultConnection } from './vault-connection.js';
import { vaultFailure } from './vault-errors.js';

export interface VaultCertificateLeaf {
  /** The certificate's DER, as Key Vault's `cer` holds it: the leaf alone, never its chain. */
  readonly der: Uint8Array;
  /** https://NAME.vault.azure.net/certificates/CERT/VERSION: the version read. */
  readonly certificateVersionUrl: string;
  /** The key version the certificate's key is, as the vault names it. */
  readonly keyVersionUrl?: string;
}

/**
 * Reads one certificate version from Key Vault. Only the public certificate is read
 * (certificates/get): the chain behind it sits in the certificate's secret, together with the private
 * key when that is exportable, and a signer has no business reading that.
 */
export async function readVaultCertificateLeaf(certificate: KeyVaultCertificateUrl, connection: VaultConnection): Promise<VaultCertificateLeaf> {
  const client = new CertificateClient(certificate.vaultUrl, typedFailureCredential(connection.credential), vaultClientOptions(connection));
  const shown = `${certificate.vaultUrl}/certificates/${certificate.name}${certificate.version ? `/${certificate.version}` : ''}`;
  let fetched: KeyVaultCertificate;
  try {
    fetched = certificate.version ? await client.getCertificateVersion(certificate.name, certificate.version) : await client.getCertificate(certificate.name);
  } catch (error) {
    throw vaultFailure(error, `reading ${shown}`, 'certificate');
  }
  const versionUrl = fetched.properties.version ? `${certificate.vaultUrl}/certificates/${certificate.name}/${fetched.properties.version}` : shown;
  if (!fetched.cer || fetched.cer.length === 0) {
    throw new AzureError('AZURE_CERTIFICATE_NOT_ISSUED', `${versionUrl} holds no issued certificate yet (a request waiting for its CA's certificate to be merged?)`);
  }
  if (fetched.properties.enabled === false) throw new AzureError('AZURE_CERTIFICATE_DISABLED', `${versionUrl} is disabled`);
  return { der: new Uint8Array(fetched.cer), certificateVersionUrl: versionUrl, ...(fetched.keyId ? { keyVersionUrl: fetched.keyId } : {}) };
}
