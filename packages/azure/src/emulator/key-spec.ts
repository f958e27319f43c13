import { EMULATED_CURVES, EMULATED_KEY_TYPES, EMULATED_RSA_SIZES, type EmulatedKeyType, type KeySpec } from './vault-state.js';

export interface NamedKeySpec extends KeySpec {
  readonly name: string;
}

/** Why a --key value is unusable; the caller turns it into its own usage error. */
export class KeySpecError extends Error {}

/** NAME:EC:P-256, NAME:EC-HSM:P-384, NAME:RSA:3072 (the size defaults to 2048, the curve to P-256). */
export function parseKeySpec(text: string): NamedKeySpec {
  const [name, kty, parameter, ...extra] = text.split(':');
  if (!name || !/^[0-9A-Za-z-]{1,127}$/.test(name) || !kty || extra.length > 0) {
    throw new KeySpecError(`"${text}" is not NAME:KTY[:CURVE|SIZE] (e.g. release:EC:P-256 or release:RSA:3072)`);
  }
  const type = kty.toUpperCase() as EmulatedKeyType;
  if (!EMULATED_KEY_TYPES.includes(type)) throw new KeySpecError(`key type "${kty}" is not one of ${EMULATED_KEY_TYPES.join(', ')}`);
  if (type.startsWith('EC')) {
    const crv = (parameter ?? 'P-256').toUpperCase();
    if (!EMULATED_CURVES.includes(crv as (typeof EMULATED_CURVES)[number])) throw new KeySpecError(`curve "${parameter}" is not one of ${EMULATED_CURVES.join(', ')}`);
    return { name, kty: type, crv };
  }
  const keySize = Number(parameter ?? '2048');
  if (!EMULATED_RSA_SIZES.includes(keySize as (typeof EMULATED_RSA_SIZES)[number])) throw new KeySpecError(`RSA size "${parameter}" is not one of ${EMULATED_RSA_SIZES.join(', ')}`);
  return { name, kty: type, keySize };
}
