import { AzureError } from './errors.js';
import { vaultKindOfHost, type KeyVaultKeyUrl } from './key-url.js';

export interface KeyVaultCertificateUrl {
  /** https://NAME.vault.azure.net: what CertificateClient is built with. */
  readonly vaultUrl: string;
  readonly name: string;
  /** Absent when only the name is given: the latest version is read. */
  readonly version?: string;
}

const CERTIFICATE_NAME = /^[0-9A-Za-z-]{1,127}$/;
const CERTIFICATE_VERSION = /^[0-9A-Za-z]{1,64}$/;

function notACertificate(text: string, why: string): AzureError {
  const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return new AzureError('AZURE_NOT_A_CERTIFICATE_URL', `"${shown}" is not a Key Vault certificate: ${why} (expected https://NAME.vault.azure.net/certificates/CERT[/VERSION], or CERT in the signing key's vault)`);
}

/**
 * A certificate named by URL, or by name alone in the vault of the signing key. Managed HSM keeps keys
 * only, so a certificate there is refused with the way out: the chain from a file.
 */
export function parseKeyVaultCertificateReference(text: string, signingKey: Pick<KeyVaultKeyUrl, 'vaultUrl' | 'kind'>): KeyVaultCertificateUrl {
  const emulator = signingKey.kind === 'emulator';
  if (CERTIFICATE_NAME.test(text)) {
    if (signingKey.kind === 'managed-hsm') throw notACertificate(text, 'Managed HSM has no certificates; give the whole chain, leaf first, as a file');
    return { vaultUrl: signingKey.vaultUrl, name: text };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw notACertificate(text, 'neither a URL nor a certificate name (letters, digits and dashes)');
  }
  if (url.protocol !== 'https:') throw notACertificate(text, 'Key Vault is reached over https only');
  if (url.username || url.password || url.search || url.hash) throw notACertificate(text, 'credentials, a query or a fragment are not part of a certificate URL');
  const kind = vaultKindOfHost(url.hostname, { emulator });
  if (!kind) throw notACertificate(text, `${url.hostname.toLowerCase()} is not a Key Vault host`);
  if (kind === 'managed-hsm') throw notACertificate(text, 'Managed HSM has no certificates; give the whole chain, leaf first, as a file');
  // The emulator's certificates live beside its keys: a token for it is not to be sent anywhere else.
  if (emulator && url.origin !== signingKey.vaultUrl) throw notACertificate(text, `the emulator serves certificates at ${signingKey.vaultUrl} only`);
  const segments = url.pathname.split('/').slice(1);
  if (segments[segments.length - 1] === '') segments.pop();
  if (segments[0] !== 'certificates' || segments.length < 2 || segments.length > 3) throw notACertificate(text, 'the path must be /certificates/CERT or /certificates/CERT/VERSION');
  const name = segments[1] as string;
  const version = segments[2];
  if (!CERTIFICATE_NAME.test(name)) throw notACertificate(text, 'a certificate name has 1 to 127 letters, digits and dashes');
  if (version !== undefined && !CERTIFICATE_VERSION.test(version)) throw notACertificate(text, 'a certificate version is letters and digits');
  return { vaultUrl: url.origin, name, ...(version !== undefined ? { version } : {}) };
}
