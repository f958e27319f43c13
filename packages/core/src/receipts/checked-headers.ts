import type { KeyObject } from 'node:crypto';
import type { CborValue } from '../cbor/index.js';
import type { SignatureAlgorithm, SignatureAlgorithmName } from '../cose/algorithms.js';
import { CoseError } from '../cose/errors.js';
import { assertKeyFits } from '../cose/keys.js';
import { transientSigStructure, verifyWithKey, type Sign1 } from '../cose/sign1.js';
import { ReceiptError } from './errors.js';
import { checkVds, kidText, receiptAlgorithm, receiptClaims, receiptKid, taggedReceipt, type ReceiptInput } from './read.js';
import type { ReceiptSignatureCache } from './signature-cache.js';

/**
 * Finds the service key a receipt names: its kid bytes and, when the receipt has one, its CWT iss.
 * Returns undefined when nothing trusted matches.
 */
export type ResolveReceiptKey = (kid: Uint8Array, issuer?: string) => KeyObject | undefined;

export interface ReceiptIdentity {
  readonly issuer?: string;
  /** The kid as text when printable ASCII (as countersign and Microsoft write it), else hex. */
  readonly kid: string;
  readonly issuedAt?: number;
  readonly algorithm: SignatureAlgorithmName;
}

export interface CheckedHeaders {
  readonly message: Sign1;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
  readonly identity: ReceiptIdentity;
}

/** What differs between verifiable data structures before the proof. */
export interface ReceiptProfile {
  readonly vds: number;
  /** Labels `crit` may name. */
  readonly understood: ReadonlySet<CborValue>;
  /** Microsoft's test ledgers write `iss: ""`: for vds 2 an empty iss means none rather than malformed. */
  readonly emptyIssuerIsNone?: boolean;
}

/** Tag, algorithm and crit, vds, CWT claims, then the key the kid names: everything before the proof. */
export function checkReceiptHeaders(receipt: ReceiptInput, resolveKey: ResolveReceiptKey, profile: ReceiptProfile): CheckedHeaders {
  const message = taggedReceipt(receipt);
  const algorithm = receiptAlgorithm(message, profile.understood);
  checkVds(message, profile.vds);
  const { issuer, issuedAt } = receiptClaims(message, true, profile.emptyIssuerIsNone);
  const kidBytes = receiptKid(message);
  if (!kidBytes) throw new ReceiptError('RECEIPT_UNKNOWN_KEY', 'receipt names no kid, so no service key can be chosen');
  const kid = kidText(kidBytes);
  const key = resolveKey(kidBytes, issuer);
  if (!key) throw new ReceiptError('RECEIPT_UNKNOWN_KEY', `no trusted service key has kid "${kid}"${issuer ? ` (issuer ${issuer})` : ''}`);
  return { message, algorithm, key, identity: { issuer, kid, issuedAt, algorithm: algorithm.name } };
}

/** What a receipt check may share with the others of its batch. */
export interface ReceiptVerifyOptions {
  /** Signatures this batch already verified: an identical check is answered from it. */
  readonly signatureCache?: ReceiptSignatureCache;
}

/**
 * The service's signature over Sig_structure with `root` as the detached payload; `mismatch` says what
 * a failure means (a function when saying it costs something: called only on failure). With a cache, a check byte-identical to one that verified is not repeated.
 */
export function checkReceiptSignature(headers: CheckedHeaders, root: Uint8Array, mismatch: string | (() => string), options: ReceiptVerifyOptions = {}): void {
  const { message, algorithm, key } = headers;
  const cache = options.signatureCache;
  // Transient: the checks below are done with it before this returns, and the cache copies what it keeps.
  const toBeSigned = transientSigStructure(message.protectedBytes, root);
  let valid: boolean;
  try {
    // Whether the key may serve this algorithm is asked every time: a JWK's alg is not among the bytes the cache keys on.
    assertKeyFits(algorithm, key);
    if (cache?.has(key, algorithm, toBeSigned, message.signature)) return;
    valid = verifyWithKey(algorithm, key, toBeSigned, message.signature);
  } catch (error) {
    if (error instanceof CoseError) throw new ReceiptError('RECEIPT_KEY_MISMATCH', `receipt key for kid "${headers.identity.kid}": ${error.message}`, { cause: error });
    throw error;
  }
  if (!valid) throw new ReceiptError('RECEIPT_BAD_SIGNATURE', typeof mismatch === 'function' ? mismatch() : mismatch);
  cache?.add(key, algorithm, toBeSigned, message.signature);
}
