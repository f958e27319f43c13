import { createHash } from 'node:crypto';
import { decode, type CborMap } from '../cbor/index.js';
import { hashAlgorithmByCoseId, SHA256, type HashAlgorithm } from '../digest/hash-algorithms.js';
import { DigestError } from '../digest/hash-algorithms.js';
import { HeaderLabel } from '../cose/headers.js';
import { StatementError } from './errors.js';

/**
 * What a statement's payload says about the artifact.
 * - hash-envelope: the SCITT profile (headers 258/259/260, payload = the digest);
 * - cose-hash-v: the older form whose content type ends in "+cose-hash-v" and whose payload is the
 *   CBOR array [hash alg, digest, location?];
 * - embedded: the artifact itself is the payload.
 */
export type StatementPayload =
  | { kind: 'hash-envelope'; hashAlgorithm: HashAlgorithm; digest: Uint8Array; preimageContentType?: string; location?: string }
  | { kind: 'cose-hash-v'; hashAlgorithm: HashAlgorithm; digest: Uint8Array; preimageContentType: string; location?: string }
  | { kind: 'embedded'; contentType?: string; bytes: Uint8Array };

const LEGACY_HASH_SUFFIX = '+cose-hash-v';

function hashAlgorithm(id: unknown): HashAlgorithm {
  try {
    return hashAlgorithmByCoseId(id);
  } catch (error) {
    if (error instanceof DigestError) throw new StatementError('STATEMENT_BAD_HASH_ENVELOPE', error.message);
    throw error;
  }
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new StatementError('STATEMENT_MALFORMED', `${what} must be text`);
  return value;
}

function checkedDigest(algorithm: HashAlgorithm, digest: unknown): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== algorithm.length) {
    throw new StatementError('STATEMENT_BAD_HASH_ENVELOPE', `payload is not a ${algorithm.length}-byte ${algorithm.name} digest`);
  }
  return digest;
}

export function readStatementPayload(protectedHeader: CborMap, payload: Uint8Array): StatementPayload {
  const contentType = protectedHeader.get(HeaderLabel.contentType);
  if (protectedHeader.has(HeaderLabel.payloadHashAlg)) {
    if (contentType !== undefined) {
      throw new StatementError('STATEMENT_BAD_HASH_ENVELOPE', 'a hash envelope must not carry a content type (label 3); use label 259');
    }
    const algorithm = hashAlgorithm(protectedHeader.get(HeaderLabel.payloadHashAlg));
    return {
      kind: 'hash-envelope',
      hashAlgorithm: algorithm,
      digest: checkedDigest(algorithm, payload),
      preimageContentType: optionalText(protectedHeader.get(HeaderLabel.payloadPreimageContentType), 'payload preimage content type (259)'),
      location: optionalText(protectedHeader.get(HeaderLabel.payloadLocation), 'payload location (260)'),
    };
  }
  if (typeof contentType === 'string' && contentType.endsWith(LEGACY_HASH_SUFFIX)) {
    let hashV: unknown;
    try {
      hashV = decode(payload, { maxDepth: 2, maxItems: 8 });
    } catch {
      throw new StatementError('STATEMENT_BAD_HASH_ENVELOPE', `payload of a ${LEGACY_HASH_SUFFIX} statement is not CBOR`);
    }
    if (!Array.isArray(hashV) || hashV.length < 2 || hashV.length > 3) {
      throw new StatementError('STATEMENT_BAD_HASH_ENVELOPE', `payload of a ${LEGACY_HASH_SUFFIX} statement must be [alg, digest, location?]`);
    }
    const algorithm = hashAlgorithm(hashV[0]);
    return {
      kind: 'cose-hash-v',
      hashAlgorithm: algorithm,
      digest: checkedDigest(algorithm, hashV[1]),
      preimageContentType: contentType.slice(0, -LEGACY_HASH_SUFFIX.length),
      location: optionalText(hashV[2], 'COSE_Hash_V location'),
    };
  }
  return { kind: 'embedded', contentType: typeof contentType === 'string' ? contentType : undefined, bytes: payload };
}

/** The hash an artifact must be digested with to be compared to this payload. */
export function artifactHashAlgorithm(payload: StatementPayload): HashAlgorithm {
  return payload.kind === 'embedded' ? SHA256 : payload.hashAlgorithm;
}

/** The digest the artifact must have, in the algorithm `artifactHashAlgorithm` names. */
export function expectedArtifactDigest(payload: StatementPayload): Uint8Array {
  return payload.kind === 'embedded' ? new Uint8Array(createHash('sha256').update(payload.bytes).digest()) : payload.digest;
}
