import { AzureError } from './errors.js';

export type KeyVaultKind = 'vault' | 'managed-hsm' | 'emulator';

export interface KeyVaultKeyUrl {
  /** https://NAME.vault.azure.net (no trailing slash): what KeyClient is built with. */
  readonly vaultUrl: string;
  readonly name: string;
  /** Absent when the URL names the key only: the latest version is then resolved once. */
  readonly version?: string;
  readonly kind: KeyVaultKind;
}

const VAULT_HOST = /^[a-z0-9](?:[a-z0-9-]{1,22}[a-z0-9])?\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)$/;
const MANAGED_HSM_HOST = /^[a-z0-9](?:[a-z0-9-]{1,22}[a-z0-9])?\.managedhsm\.(?:azure\.net|azure\.cn|usgovcloudapi\.net)$/;
const KEY_NAME = /^[0-9A-Za-z-]{1,127}$/;
const KEY_VERSION = /^[0-9A-Za-z]{1,64}$/;

function notAKeyUrl(text: string, why: string): AzureError {
  const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return new AzureError('AZURE_NOT_A_KEY_URL', `"${shown}" is not a Key Vault key URL: ${why} (expected https://NAME.vault.azure.net/keys/KEY[/VERSION] or https://NAME.managedhsm.azure.net/keys/KEY[/VERSION])`);
}

/** Which service a host is; other hosts are an emulator when the caller says so, else refused. */
export function vaultKindOfHost(hostname: string, options: { emulator?: boolean } = {}): KeyVaultKind | undefined {
  const host = hostname.toLowerCase();
  if (VAULT_HOST.test(host)) return 'vault';
  if (MANAGED_HSM_HOST.test(host)) return 'managed-hsm';
  return options.emulator ? 'emulator' : undefined;
}

/**
 * Parses a key URL. Hosts other than Key Vault and Managed HSM are accepted only when the caller says
 * it talks to an emulator, so a typo can never send a signing request (and a token) somewhere else.
 */
export function parseKeyVaultKeyUrl(text: string, options: { emulator?: boolean } = {}): KeyVaultKeyUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw notAKeyUrl(text, 'not a URL');
  }
  if (url.protocol !== 'https:') throw notAKeyUrl(text, 'Key Vault is reached over https only');
  if (url.username || url.password) throw notAKeyUrl(text, 'credentials in the URL are not accepted');
  if (url.search || url.hash) throw notAKeyUrl(text, 'a query or fragment is not part of a key URL');
  const kind = vaultKindOfHost(url.hostname, options);
  if (!kind) throw notAKeyUrl(text, `${url.hostname.toLowerCase()} is not a Key Vault or Managed HSM host`);

  const segments = url.pathname.split('/').slice(1);
  if (segments[segments.length - 1] === '') segments.pop();
  if (segments[0] !== 'keys' || segments.length < 2 || segments.length > 3) throw notAKeyUrl(text, 'the path must be /keys/KEY or /keys/KEY/VERSION');
  const name = segments[1] as string;
  const version = segments[2];
  if (!KEY_NAME.test(name)) throw notAKeyUrl(text, 'a key name has 1 to 127 letters, digits and dashes');
  if (version !== undefined && !KEY_VERSION.test(version)) throw notAKeyUrl(text, 'a key version is letters and digits');
  return { vaultUrl: url.origin, name, ...(version !== undefined ? { version } : {}), kind };
}

export function keyVersionUrl(key: Pick<KeyVaultKeyUrl, 'vaultUrl' | 'name'>, version: string): string {
  return `${key.vaultUrl}/keys/${key.name}/${version}`;
}
