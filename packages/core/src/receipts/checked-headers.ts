import type { KeyObject } from 'node:crypto';
import type { CborValue } from '../cbor/index.js';
import type { SignatureAlgorithm, SignatureAlgorithmName } from '../cose/algorithms.js';
import { CoseError } from '../cose/errors.js';
import { sigStructure, verifyWithKey, type Sign1 } from '../cose/sign1.js';
import { ReceiptError } from './errors.js';
import { checkVds, decodeReceipt, kidText, receiptAlgorithm, receiptClaims, receiptKid } from './read.js';

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
export function checkReceiptHeaders(bytes: Uint8Array, resolveKey: ResolveReceiptKey, profile: ReceiptProfile): CheckedHeaders {
  const message = decodeReceipt(bytes, true);
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

// A service that signs one tree head per batch (the embedded ledger) puts the same signature over the
// same root in every receipt of the batch, so a reader of many receipts (a monitor, a batch verify)
// verifies it once per key. Only successes are remembered, by the exact signed bytes and signature.
const REMEMBERED_PER_KEY = 1024;
const verifiedSignatures = new WeakMap<KeyObject, Set<string>>();

/** The service's signature over Sig_structure with `root` as the detached payload; `mismatch` says what a failure means. */
export function checkReceiptSignature(headers: CheckedHeaders, root: Uint8Array, mismatch: string): void {
  const { message, algorithm, key } = headers;
  const signed = sigStructure(message.protectedBytes, root);
  const remembered = verifiedSignatures.get(key);
  const memo = Buffer.concat([signed, message.signature]).toString('latin1');
  if (remembered?.has(memo)) return;
  let valid: boolean;
  try {
    valid = verifyWithKey(algorithm, key, signed, message.signature);
  } catch (error) {
    if (error instanceof CoseError) throw new ReceiptError('RECEIPT_KEY_MISMATCH', `receipt key for kid "${headers.identity.kid}": ${error.message}`, { cause: error });
    throw error;
  }
  if (!valid) throw new ReceiptError('RECEIPT_BAD_SIGNATURE', mismatch);
  if (!remembered) verifiedSignatures.set(key, new Set([memo]));
  else {
    if (remembered.size >= REMEMBERED_PER_KEY) remembered.clear();
    remembered.add(memo);
  }
}
