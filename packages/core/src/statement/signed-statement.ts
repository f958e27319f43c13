import { createHash } from 'node:crypto';
import { DEFAULT_DECODE_LIMITS, encode, type CborValue, type DecodeLimits, type Encodable } from '../cbor/index.js';
import { algorithmById, type SignatureAlgorithm } from '../cose/algorithms.js';
import { COSE_UNDERSTOOD_LABELS, HeaderLabel } from '../cose/headers.js';
import { checkCriticalHeaders, decodeSign1, encodeSignedSign1, prepareSign1, verifySign1, type Sign1 } from '../cose/sign1.js';
import type { Signer } from '../cose/signer.js';
import type { KeyObject } from 'node:crypto';
import type { HashAlgorithm } from '../digest/hash-algorithms.js';
import { cwtClaimsMap, readCwtClaims, type CwtClaims } from './cwt-claims.js';
import { StatementError } from './errors.js';
import { readStatementPayload, type StatementPayload } from './payload.js';

/** Labels a signed statement's `crit` may name: COSE's own plus the hash envelope's. */
export const STATEMENT_UNDERSTOOD_LABELS: ReadonlySet<CborValue> = new Set<CborValue>([
  ...COSE_UNDERSTOOD_LABELS,
  HeaderLabel.payloadHashAlg,
  HeaderLabel.payloadPreimageContentType,
  HeaderLabel.payloadLocation,
]);

/** Statements larger than this are refused before decoding (Microsoft's service refuses over 1 MiB too). */
export const DEFAULT_MAX_STATEMENT_SIZE = 1024 * 1024;

export interface SignedStatement {
  readonly message: Sign1;
  readonly algorithm: SignatureAlgorithm;
  readonly claims: CwtClaims;
  readonly payload: StatementPayload;
  readonly kid?: Uint8Array;
  /** Certificates from the protected x5chain, leaf first. */
  readonly x5chain?: readonly Uint8Array[];
  /** Receipts from unprotected header 394, as the bytes of each receipt. */
  readonly receipts: readonly Uint8Array[];
}

function readX5chain(value: unknown): Uint8Array[] | undefined {
  if (value === undefined) return undefined;
  const chain = value instanceof Uint8Array ? [value] : value;
  if (!Array.isArray(chain) || chain.length === 0 || !chain.every((item) => item instanceof Uint8Array)) {
    throw new StatementError('STATEMENT_MALFORMED', 'x5chain (label 33) must be a certificate or a non-empty array of certificates');
  }
  return chain as Uint8Array[];
}

const X5T_HASHES = new Map<unknown, string>([
  [-16, 'sha256'],
  [-43, 'sha384'],
  [-44, 'sha512'],
]);

function checkX5t(x5t: unknown, leaf: Uint8Array | undefined): void {
  if (x5t === undefined) return;
  if (!Array.isArray(x5t) || x5t.length !== 2 || !(x5t[1] instanceof Uint8Array)) {
    throw new StatementError('STATEMENT_MALFORMED', 'x5t (label 34) must be [hash alg, thumbprint]');
  }
  const digest = X5T_HASHES.get(x5t[0]);
  if (!digest) throw new StatementError('STATEMENT_MALFORMED', `x5t uses unsupported hash algorithm ${String(x5t[0])}`);
  if (leaf && !createHash(digest).update(leaf).digest().equals(x5t[1])) {
    throw new StatementError('STATEMENT_X5T_MISMATCH', 'x5t does not match the first certificate of x5chain');
  }
}

/**
 * Receipts in label 394: an array of bstr-wrapped receipts, or, from older writers, an array of the
 * receipts themselves (re-encoded here, the only way to get their bytes back).
 */
export function readReceiptList(value: unknown): Uint8Array[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new StatementError('STATEMENT_MALFORMED', 'receipts (label 394) must be an array');
  return value.map((item: CborValue) => (item instanceof Uint8Array ? item : encode(item as Encodable)));
}

const STATEMENT_DECODE_OPTIONS = Object.freeze({ limits: Object.freeze({ ...DEFAULT_DECODE_LIMITS, maxInputSize: DEFAULT_MAX_STATEMENT_SIZE }) });

/**
 * Reads a SCITT signed (or transparent) statement and checks its shape: a payload that is present and
 * non-empty, CWT claims with iss and sub, an algorithm countersign supports, a kid or an x5chain,
 * understood `crit` labels and a consistent hash envelope. The signature is checked separately.
 */
export function parseSignedStatement(bytes: Uint8Array, limits?: Partial<DecodeLimits>): SignedStatement {
  const message = decodeSign1(bytes, limits ? { limits: { ...STATEMENT_DECODE_OPTIONS.limits, ...limits } } : STATEMENT_DECODE_OPTIONS);
  if (message.payload === null) throw new StatementError('STATEMENT_NIL_PAYLOAD', 'statement payload is nil (detached payloads are not accepted)');
  if (message.payload.length === 0) throw new StatementError('STATEMENT_EMPTY_PAYLOAD', 'statement payload is empty');
  const header = message.protectedHeader;
  checkCriticalHeaders(header, STATEMENT_UNDERSTOOD_LABELS);
  const algorithm = algorithmById(header.get(HeaderLabel.alg) ?? missingAlg(message));
  const claims = readCwtClaims(header.get(HeaderLabel.cwtClaims));
  const kid = header.get(HeaderLabel.kid) ?? message.unprotectedHeader.get(HeaderLabel.kid);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw new StatementError('STATEMENT_MALFORMED', 'kid (label 4) must be a byte string');
  const x5chain = readX5chain(header.get(HeaderLabel.x5chain));
  if (!kid && !x5chain) throw new StatementError('STATEMENT_NO_KEY_REFERENCE', 'statement names neither a kid nor an x5chain in its protected header');
  checkX5t(header.get(HeaderLabel.x5t), x5chain?.[0]);
  return {
    message,
    algorithm,
    claims,
    payload: readStatementPayload(header, message.payload),
    kid,
    x5chain,
    receipts: readReceiptList(message.unprotectedHeader.get(HeaderLabel.receipts)),
  };
}

function missingAlg(message: Sign1): never {
  const where = message.unprotectedHeader.has(HeaderLabel.alg) ? ' (only the unprotected header has one, where it is not signed)' : '';
  throw new StatementError('STATEMENT_MALFORMED', `protected header has no alg${where}`);
}

/** Verifies the issuer's signature with a key already chosen by the trust policy or the x5chain. */
export function verifyStatementSignature(statement: SignedStatement, publicKey: KeyObject): void {
  verifySign1(statement.message, publicKey, STATEMENT_VERIFY_OPTIONS);
}

const STATEMENT_VERIFY_OPTIONS = Object.freeze({ understoodLabels: STATEMENT_UNDERSTOOD_LABELS });

export interface StatementToSign {
  hashAlgorithm: HashAlgorithm;
  /** The artifact's digest: becomes the payload. */
  digest: Uint8Array;
  issuer: string;
  subject: string;
  /** Seconds since the epoch; written untagged, as RFC 8392 NumericDate. */
  issuedAt?: number;
  /** The artifact's media type (label 259). */
  preimageContentType?: string;
  /** Where the artifact can be fetched (label 260). */
  location?: string;
  /** Certificates, leaf first; when given they go in x5chain, otherwise the signer's key id goes in kid. */
  x5chain?: readonly Uint8Array[];
}

/** Builds and signs a hash-envelope signed statement; returns the tagged COSE_Sign1 bytes. */
export async function createSignedStatement(input: StatementToSign, signer: Signer): Promise<Uint8Array> {
  if (input.digest.length !== input.hashAlgorithm.length) {
    throw new StatementError('STATEMENT_BAD_HASH_ENVELOPE', `a ${input.hashAlgorithm.name} digest has ${input.hashAlgorithm.length} bytes, not ${input.digest.length}`);
  }
  // Labels in canonical order (1, 4, 15, 33, 258, 259, 260), so the encoder need not sort them.
  const withChain = input.x5chain !== undefined && input.x5chain.length > 0;
  const header = new Map<Encodable, Encodable>();
  header.set(HeaderLabel.alg, signer.algorithm.id);
  if (!withChain) header.set(HeaderLabel.kid, signer.keyId);
  header.set(HeaderLabel.cwtClaims, cwtClaimsMap({ iss: input.issuer, sub: input.subject, iat: input.issuedAt }));
  if (input.x5chain && withChain) header.set(HeaderLabel.x5chain, input.x5chain.length === 1 ? (input.x5chain[0] as Uint8Array) : [...input.x5chain]);
  header.set(HeaderLabel.payloadHashAlg, input.hashAlgorithm.coseId);
  if (input.preimageContentType) header.set(HeaderLabel.payloadPreimageContentType, input.preimageContentType);
  if (input.location) header.set(HeaderLabel.payloadLocation, input.location);
  // An in-process signer signs at once; any other is awaited once. Either way no further promise hop.
  const prepared = prepareSign1({ protectedHeader: header, payload: input.digest }, signer.algorithm);
  const signature = signer.signNow ? signer.signNow(prepared.toBeSigned) : await signer.sign(prepared.toBeSigned);
  return encodeSignedSign1(prepared, signature);
}
