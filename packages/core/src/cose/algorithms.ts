import { CoseError } from './errors.js';

export type SignatureAlgorithmName = 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

export interface SignatureAlgorithm {
  readonly name: SignatureAlgorithmName;
  /** COSE algorithm id (IANA "COSE Algorithms"). */
  readonly id: number;
  readonly family: 'ecdsa' | 'rsa-pss' | 'eddsa';
  /** node:crypto digest name; EdDSA hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** The curve a signer must use for ECDSA (RFC 9053 pairs each hash with one curve). */
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
}

export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  { name: 'ES256', id: -7, family: 'ecdsa', hash: 'sha256', curve: 'P-256' },
  { name: 'ES384', id: -35, family: 'ecdsa', hash: 'sha384', curve: 'P-384' },
  { name: 'ES512', id: -36, family: 'ecdsa', hash: 'sha512', curve: 'P-521' },
  { name: 'PS256', id: -37, family: 'rsa-pss', hash: 'sha256' },
  { name: 'PS384', id: -38, family: 'rsa-pss', hash: 'sha384' },
  { name: 'PS512', id: -39, family: 'rsa-pss', hash: 'sha512' },
  { name: 'EdDSA', id: -8, family: 'eddsa', hash: null },
] as const);

const ALGORITHMS_BY_ID: ReadonlyMap<unknown, SignatureAlgorithm> = new Map(SIGNATURE_ALGORITHMS.map((algorithm) => [algorithm.id, algorithm]));

export function algorithmById(id: unknown): SignatureAlgorithm {
  const found = ALGORITHMS_BY_ID.get(id);
  if (!found) {
    const shown = typeof id === 'string' ? `"${id}"` : String(id);
    throw new CoseError('COSE_UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${shown}`);
  }
  return found;
}

export function algorithmByName(name: string): SignatureAlgorithm {
  const found = SIGNATURE_ALGORITHMS.find((algorithm) => algorithm.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    const known = SIGNATURE_ALGORITHMS.map((algorithm) => algorithm.name).join(', ');
    throw new CoseError('COSE_UNSUPPORTED_ALGORITHM', `unsupported signature algorithm "${name}" (use one of ${known})`);
  }
  return found;
}
