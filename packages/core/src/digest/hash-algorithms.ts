import { createHash } from 'node:crypto';
import { CountersignError } from '../errors.js';
import { hashBytes } from './hash-once.js';

export type DigestErrorCode = 'DIGEST_UNKNOWN_ALGORITHM' | 'DIGEST_BAD_FORMAT';

export class DigestError extends CountersignError<DigestErrorCode> {
  readonly area = 'digest';
}

/** A hash function as the hash envelope names it (COSE algorithm ids from the IANA COSE registry). */
export interface HashAlgorithm {
  /** Lower-case name used on the command line and in `ALG:HEX` digests. */
  readonly name: 'sha256' | 'sha384' | 'sha512';
  /** COSE algorithm id carried in header 258. */
  readonly coseId: -16 | -43 | -44;
  /** Digest length in bytes. */
  readonly length: 32 | 48 | 64;
}

export const SHA256: HashAlgorithm = Object.freeze({ name: 'sha256', coseId: -16, length: 32 });
export const SHA384: HashAlgorithm = Object.freeze({ name: 'sha384', coseId: -43, length: 48 });
export const SHA512: HashAlgorithm = Object.freeze({ name: 'sha512', coseId: -44, length: 64 });

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = [SHA256, SHA384, SHA512];

export function hashAlgorithmByName(name: string): HashAlgorithm {
  const normalized = name.toLowerCase().replace('-', '');
  const found = HASH_ALGORITHMS.find((algorithm) => algorithm.name === normalized);
  if (!found) throw new DigestError('DIGEST_UNKNOWN_ALGORITHM', `unknown hash algorithm "${name}" (use sha256, sha384 or sha512)`);
  return found;
}

export function hashAlgorithmByCoseId(id: unknown): HashAlgorithm {
  const found = HASH_ALGORITHMS.find((algorithm) => algorithm.coseId === id);
  if (!found) throw new DigestError('DIGEST_UNKNOWN_ALGORITHM', `unsupported payload hash algorithm ${String(id)} (expected -16, -43 or -44)`);
  return found;
}

/** Hashes bytes held in memory. */
export function digestBytes(algorithm: HashAlgorithm, bytes: Uint8Array): Uint8Array {
  return hashBytes(algorithm.name, bytes);
}

/** Hashes a stream of chunks as they arrive, so memory stays flat whatever the total size. */
export async function digestChunks(algorithm: HashAlgorithm, chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const hash = createHash(algorithm.name);
  for await (const chunk of chunks) hash.update(chunk);
  return new Uint8Array(hash.digest());
}

/** A digest given as `ALG:HEX` (for example `sha256:9f86d0...`). */
export function parseDigest(text: string): { algorithm: HashAlgorithm; digest: Uint8Array } {
  const match = /^([A-Za-z0-9-]+):([0-9a-fA-F]+)$/.exec(text.trim());
  if (!match) throw new DigestError('DIGEST_BAD_FORMAT', `digest "${text}" is not of the form ALG:HEX`);
  const algorithm = hashAlgorithmByName(match[1] as string);
  const hex = match[2] as string;
  if (hex.length !== algorithm.length * 2) {
    throw new DigestError('DIGEST_BAD_FORMAT', `a ${algorithm.name} digest has ${algorithm.length * 2} hex digits, not ${hex.length}`);
  }
  return { algorithm, digest: Uint8Array.from(Buffer.from(hex, 'hex')) };
}
