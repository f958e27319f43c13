import type { KeyObject } from 'node:crypto';
import { algorithmByName, curveOf, describeKey, isCountersignError, type SignatureAlgorithm } from '@countersign/core';
import { AzureError } from './errors.js';

const EC_ALGORITHMS: Record<'P-256' | 'P-384' | 'P-521', SignatureAlgorithm> = {
  'P-256': algorithmByName('ES256'),
  'P-384': algorithmByName('ES384'),
  'P-521': algorithmByName('ES512'),
};

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 4096;

function mismatch(keyUrl: string, message: string): AzureError {
  return new AzureError('AZURE_KEY_TYPE_MISMATCH', `${keyUrl}: ${message}`);
}

/**
 * The COSE algorithm a vault key signs with: its curve decides for EC keys (RFC 9053 pairs each hash
 * with one curve), RSA keys sign PS256 unless asked for PS384 or PS512. A key that cannot make the
 * asked algorithm is refused before anything is sent to the vault.
 */
export function signingAlgorithmFor(publicKey: KeyObject, keyUrl: string, requested?: string): SignatureAlgorithm {
  let asked: SignatureAlgorithm | undefined;
  if (requested !== undefined) {
    try {
      asked = algorithmByName(requested);
    } catch (error) {
      throw mismatch(keyUrl, isCountersignError(error) ? error.message : `unsupported algorithm ${requested}`);
    }
  }
  if (publicKey.asymmetricKeyType === 'ec') {
    const curve = curveOf(publicKey);
    const own = curve ? EC_ALGORITHMS[curve] : undefined;
    if (!own) throw mismatch(keyUrl, `an ${describeKey(publicKey)} key is not supported (use P-256, P-384 or P-521)`);
    if (asked && asked.name !== own.name) throw mismatch(keyUrl, `an ${describeKey(publicKey)} key cannot sign ${asked.name} (it signs ${own.name})`);
    return own;
  }
  if (publicKey.asymmetricKeyType === 'rsa') {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) throw mismatch(keyUrl, `RSA keys of ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits are accepted (this one has ${bits})`);
    const algorithm = asked ?? algorithmByName('PS256');
    if (algorithm.family !== 'rsa-pss') throw mismatch(keyUrl, `an ${describeKey(publicKey)} key cannot sign ${algorithm.name} (use PS256, PS384 or PS512)`);
    return algorithm;
  }
  throw mismatch(keyUrl, `${describeKey(publicKey)} keys are not supported`);
}
