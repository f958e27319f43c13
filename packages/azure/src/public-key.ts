import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JsonWebKey as VaultJsonWebKey } from '@azure/keyvault-keys';
import { AzureError } from './errors.js';

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/**
 * The verification key of a Key Vault key version. Key Vault names HSM-backed keys EC-HSM and RSA-HSM;
 * their public halves are ordinary EC and RSA keys.
 */
export function publicKeyOfVaultKey(key: VaultJsonWebKey | undefined, keyUrl: string): KeyObject {
  const kty = key?.kty;
  try {
    if ((kty === 'EC' || kty === 'EC-HSM') && key?.x && key.y && key.crv) {
      return createPublicKey({ key: { kty: 'EC', crv: key.crv, x: base64url(key.x), y: base64url(key.y) }, format: 'jwk' });
    }
    if ((kty === 'RSA' || kty === 'RSA-HSM') && key?.n && key.e) {
      return createPublicKey({ key: { kty: 'RSA', n: base64url(key.n), e: base64url(key.e) }, format: 'jwk' });
    }
  } catch {
    // node:crypto refuses curves it does not know (P-256K is one on some builds): a key type we cannot use.
  }
  const described = [kty ?? 'unknown type', key?.crv].filter(Boolean).join(' ');
  throw new AzureError('AZURE_KEY_TYPE_MISMATCH', `${keyUrl} is an ${described} key; countersign signs with EC P-256/P-384/P-521 or RSA 2048-4096 keys`);
}
