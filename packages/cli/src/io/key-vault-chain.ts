import { loadAzure } from './load-azure.js';
import { CliError } from '../errors.js';
import { isKeyVaultUrl, vaultConnection, type KeyChoice } from './open-signer.js';
import { readCertificateChain } from './signer-from-file.js';

export interface VaultChain {
  /** Leaf first: the Key Vault certificate, then the certificates of the rest file. */
  chain: Uint8Array[];
  /** The certificate version the leaf was read from, for messages and reports. */
  certificateVersionUrl: string;
}

/**
 * The x5chain of a Key Vault certificate: Key Vault gives the leaf; the CA certificates behind it (which
 * it keeps only in the certificate's secret) come from `restPath`, intermediates first. A rest file
 * that repeats the leaf is taken as the whole chain.
 */
export async function x5chainFromKeyVault(certificate: string, restPath: string | undefined, keyChoice: KeyChoice, env: NodeJS.ProcessEnv = process.env): Promise<VaultChain> {
  if (!isKeyVaultUrl(keyChoice.key)) throw new CliError('USAGE', '--x5chain-from-key-vault needs a Key Vault key URL in --key (a key file has no vault to read certificates from)');
  const { parseKeyVaultCertificateReference, parseKeyVaultKeyUrl, readVaultCertificateLeaf } = await loadAzure();
  const key = parseKeyVaultKeyUrl(keyChoice.key, { emulator: keyChoice.keyVaultCa !== undefined });
  const reference = parseKeyVaultCertificateReference(certificate, key);
  const leaf = await readVaultCertificateLeaf(reference, await vaultConnection(keyChoice, env));
  const rest = restPath === undefined ? [] : await readCertificateChain(restPath);
  const withoutLeaf = rest.length > 0 && Buffer.from(rest[0] as Uint8Array).equals(leaf.der) ? rest.slice(1) : rest;
  return { chain: [leaf.der, ...withoutLeaf], certificateVersionUrl: leaf.certificateVersionUrl };
}
