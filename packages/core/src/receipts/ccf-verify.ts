import type { KeyObject } from 'node:crypto';
import { CborTag, type CborValue } from '../cbor/index.js';
import type { SignatureAlgorithm, SignatureAlgorithmName } from '../cose/algorithms.js';
import { CoseError } from '../cose/errors.js';
import { HeaderLabel } from '../cose/headers.js';
import { sigStructure, verifyWithKey, type Sign1 } from '../cose/sign1.js';
import { sameBytes } from '../merkle/checks.js';
import { CwtClaim } from '../statement/cwt-claims.js';
import { CCF_HEADER_LABEL, CCF_RECEIPT_UNDERSTOOD_LABELS, VDS_CCF_LEDGER_SHA256, ccfEntryId, ccfInclusionProofsOf, ccfRootFromProof } from './ccf.js';
import { statementEntry } from './entry.js';
import { ReceiptError } from './errors.js';
import { decodeReceipt, kidText, receiptAlgorithm, receiptKid } from './read.js';
import type { ResolveReceiptKey } from './verify.js';

/** What a verified vds 2 (CCF_LEDGER_SHA256) receipt says. */
export interface VerifiedCcfReceipt {
  /** CWT iss: the service's host name (absent when the receipt has none, or an empty one). */
  readonly issuer?: string;
  /** The kid as text when printable ASCII (Microsoft writes the hex SHA-256 of the key's SPKI), else hex. */
  readonly kid: string;
  /** CWT iat: when the service signed the root that covers the registration. */
  readonly issuedAt?: number;
  readonly algorithm: SignatureAlgorithmName;
  /**
   * The registration transaction `<view>.<seqno>` read from the leaf's evidence `ce:<view>.<seqno>:<hex>`
   * (the service's entry id); absent when the evidence has another form.
   */
  readonly entryId?: string;
  /** The signature transaction `<view>.<seqno>` from the protected `ccf.v1` map, when present. */
  readonly signatureTransaction?: string;
  /** The root the service signed, recomputed from the leaf and the path. */
  readonly root: Uint8Array;
  /** The leaf's data hash: the statement entry the receipt registers. */
  readonly dataHash: Uint8Array;
}

interface CheckedCcfHeaders {
  readonly message: Sign1;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
  readonly issuer?: string;
  readonly issuedAt?: number;
  readonly kid: string;
}

function malformed(reason: string, cause?: unknown): ReceiptError {
  return new ReceiptError('RECEIPT_MALFORMED', reason, cause === undefined ? undefined : { cause });
}

function checkCcfVds(message: Sign1): void {
  const vds = message.protectedHeader.get(HeaderLabel.verifiableDataStructure);
  if (vds === undefined) throw malformed('receipt names no verifiable data structure (protected label 395)');
  if (vds !== VDS_CCF_LEDGER_SHA256) {
    throw new ReceiptError('RECEIPT_UNSUPPORTED_VDS', `receipt uses verifiable data structure ${String(vds)}; this verifier handles 2 (CCF_LEDGER_SHA256)`);
  }
  if (message.payload !== null) throw malformed('receipt carries a payload; its payload must be nil (the tree root is detached)');
}

function numericDate(value: CborValue): number | undefined {
  const inner = value instanceof CborTag && value.tag === 1 ? value.value : value;
  return typeof inner === 'number' && Number.isFinite(inner) ? inner : undefined;
}

/**
 * CWT iss and iat (label 15). An empty iss counts as none: Microsoft's own test ledgers issue
 * receipts with `iss: ""` (the receipt in the Azure SDKs' test data), production ones name the host.
 */
function ccfClaims(message: Sign1): { issuer?: string; issuedAt?: number } {
  const claims = message.protectedHeader.get(HeaderLabel.cwtClaims);
  if (claims === undefined) return {};
  if (!(claims instanceof Map)) throw malformed('receipt CWT claims (label 15) are not a map');
  const iss = claims.get(CwtClaim.iss);
  if (iss !== undefined && typeof iss !== 'string') throw malformed('receipt CWT claim iss is not text');
  const iatValue = claims.get(CwtClaim.iat);
  const issuedAt = iatValue === undefined ? undefined : numericDate(iatValue);
  if (iatValue !== undefined && issuedAt === undefined) throw malformed('receipt CWT claim iat is not a NumericDate');
  return { issuer: iss === undefined || iss.length === 0 ? undefined : iss, issuedAt };
}

const TXID = /^(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,19})$/;

/** `{"ccf.v1": {"txid": "<view>.<seqno>"}}` when the receipt has it in that form; informative only. */
function signatureTransactionOf(message: Sign1): string | undefined {
  const ccf = message.protectedHeader.get(CCF_HEADER_LABEL);
  if (!(ccf instanceof Map)) return undefined;
  const txid = ccf.get('txid');
  return typeof txid === 'string' && TXID.test(txid) ? txid : undefined;
}

/** Tag, algorithm and crit, vds 2, claims, then the key the kid names: everything before the proof. */
function checkCcfHeaders(bytes: Uint8Array, resolveKey: ResolveReceiptKey): CheckedCcfHeaders {
  const message = decodeReceipt(bytes, true);
  const algorithm = receiptAlgorithm(message, CCF_RECEIPT_UNDERSTOOD_LABELS);
  checkCcfVds(message);
  const { issuer, issuedAt } = ccfClaims(message);
  const kidBytes = receiptKid(message);
  if (!kidBytes) throw new ReceiptError('RECEIPT_UNKNOWN_KEY', 'receipt names no kid, so no service key can be chosen');
  const kid = kidText(kidBytes);
  const key = resolveKey(kidBytes, issuer);
  if (!key) throw new ReceiptError('RECEIPT_UNKNOWN_KEY', `no trusted service key has kid "${kid}"${issuer ? ` (issuer ${issuer})` : ''}`);
  return { message, algorithm, key, issuer, issuedAt, kid };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * Verifies a vds 2 receipt against a statement entry (the 32-byte data hash the service registers).
 * For a statement use verifyCcfReceipt, which derives the entry.
 */
export function verifyCcfReceiptForEntry(receipt: Uint8Array, entry: Uint8Array | (() => Uint8Array), resolveKey: ResolveReceiptKey): VerifiedCcfReceipt {
  const headers = checkCcfHeaders(receipt, resolveKey);
  const proofs = ccfInclusionProofsOf(headers.message);
  const roots = proofs.map(ccfRootFromProof);
  const root = roots[0]!;
  // One signature covers one root: proofs that lead to different roots cannot all be what was signed.
  if (!roots.every((other) => sameBytes(other, root))) throw new ReceiptError('RECEIPT_BAD_PROOF', 'receipt proofs lead to different roots');

  let valid: boolean;
  try {
    valid = verifyWithKey(headers.algorithm, headers.key, sigStructure(headers.message.protectedBytes, root), headers.message.signature);
  } catch (error) {
    if (error instanceof CoseError) throw new ReceiptError('RECEIPT_KEY_MISMATCH', `receipt key for kid "${headers.kid}": ${error.message}`, { cause: error });
    throw error;
  }
  if (!valid) {
    throw new ReceiptError(
      'RECEIPT_BAD_SIGNATURE',
      `receipt signature does not cover the root its leaf and path (${proofs[0]!.path.length} step(s)) lead to: the receipt was altered, or another key signed it`,
    );
  }

  // The signature is the service's, over a leaf that names what was registered: a mismatch here is a
  // genuine receipt for another statement, which vds 2 (unlike vds 1) can tell apart from a forgery.
  const expected = typeof entry === 'function' ? entry() : entry;
  const { leaf } = proofs[0]!;
  for (const proof of proofs) {
    if (!sameBytes(proof.leaf.dataHash, expected)) {
      throw new ReceiptError(
        'RECEIPT_NOT_FOR_STATEMENT',
        `receipt registers data hash ${hex(proof.leaf.dataHash)} (${proof.leaf.internalEvidence.slice(0, 40)}), but this statement's entry is ${hex(expected)}: the receipt is for another statement`,
      );
    }
  }
  const entryId = ccfEntryId(leaf.internalEvidence);
  const signatureTransaction = signatureTransactionOf(headers.message);
  return {
    issuer: headers.issuer,
    kid: headers.kid,
    issuedAt: headers.issuedAt,
    algorithm: headers.algorithm.name,
    ...(entryId === undefined ? {} : { entryId }),
    ...(signatureTransaction === undefined ? {} : { signatureTransaction }),
    root,
    dataHash: leaf.dataHash,
  };
}

/**
 * Verifies a vds 2 (CCF_LEDGER_SHA256) receipt for a signed (or transparent) statement, in this
 * order: tag 18, protected alg and crit, vds 2, CWT claims, the key the kid names, well-formed proofs
 * in 396/-1, the signature over the root recomputed from each proof, then the binding: every leaf's
 * data hash must be statementEntry(statement). Throws a ReceiptError.
 */
export function verifyCcfReceipt(receipt: Uint8Array, statement: Uint8Array | Sign1, resolveKey: ResolveReceiptKey): VerifiedCcfReceipt {
  return verifyCcfReceiptForEntry(receipt, () => statementEntry(statement), resolveKey);
}
