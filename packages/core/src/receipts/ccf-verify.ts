import type { SignatureAlgorithmName } from '../cose/algorithms.js';
import type { Sign1 } from '../cose/sign1.js';
import { sameBytes } from '../merkle/checks.js';
import { CCF_HEADER_LABEL, CCF_RECEIPT_UNDERSTOOD_LABELS, VDS_CCF_LEDGER_SHA256, ccfEntryId, ccfInclusionProofsOf, ccfRootFromProof } from './ccf.js';
import { checkReceiptHeaders, checkReceiptSignature, type ReceiptProfile, type ReceiptVerifyOptions, type ResolveReceiptKey } from './checked-headers.js';
import { statementEntry } from './entry.js';
import type { ReceiptInput } from './read.js';
import { ReceiptError } from './errors.js';
import { toHex } from '../hex.js';

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

const TXID = /^(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,19})$/;

/** `{"ccf.v1": {"txid": "<view>.<seqno>"}}` when the receipt has it in that form; informative only. */
function signatureTransactionOf(message: Sign1): string | undefined {
  const ccf = message.protectedHeader.get(CCF_HEADER_LABEL);
  if (!(ccf instanceof Map)) return undefined;
  const txid = ccf.get('txid');
  return typeof txid === 'string' && TXID.test(txid) ? txid : undefined;
}

const VDS2: ReceiptProfile = { vds: VDS_CCF_LEDGER_SHA256, understood: CCF_RECEIPT_UNDERSTOOD_LABELS, emptyIssuerIsNone: true };

/**
 * Verifies a vds 2 receipt against a statement entry (the 32-byte data hash the service registers).
 * For a statement use verifyCcfReceipt, which derives the entry.
 */
export function verifyCcfReceiptForEntry(
  receipt: ReceiptInput,
  entry: Uint8Array | (() => Uint8Array),
  resolveKey: ResolveReceiptKey,
  options: ReceiptVerifyOptions = {},
): VerifiedCcfReceipt {
  const headers = checkReceiptHeaders(receipt, resolveKey, VDS2);
  const proofs = ccfInclusionProofsOf(headers.message);
  const roots = proofs.map(ccfRootFromProof);
  const root = roots[0]!;
  // One signature covers one root: proofs that lead to different roots cannot all be what was signed.
  if (!roots.every((other) => sameBytes(other, root))) throw new ReceiptError('RECEIPT_BAD_PROOF', 'receipt proofs lead to different roots');
  checkReceiptSignature(
    headers,
    root,
    () => `receipt signature does not cover the root its leaf and path (${proofs[0]!.path.length} step(s)) lead to: the receipt was altered, or another key signed it`,
    options,
  );

  // The signature is the service's, over a leaf that names what was registered: a mismatch here is a
  // genuine receipt for another statement, which vds 2 (unlike vds 1) can tell apart from a forgery.
  const expected = typeof entry === 'function' ? entry() : entry;
  const { leaf } = proofs[0]!;
  for (const proof of proofs) {
    if (!sameBytes(proof.leaf.dataHash, expected)) {
      throw new ReceiptError(
        'RECEIPT_NOT_FOR_STATEMENT',
        `receipt registers data hash ${toHex(proof.leaf.dataHash)} (${proof.leaf.internalEvidence.slice(0, 40)}), but this statement's entry is ${toHex(expected)}: the receipt is for another statement`,
      );
    }
  }
  const entryId = ccfEntryId(leaf.internalEvidence);
  const signatureTransaction = signatureTransactionOf(headers.message);
  // Named one by one (spreading objects of varying shapes is V8's slow path, and this runs per artifact);
  // an id the evidence does not give is absent, not undefined.
  const { issuer, kid, issuedAt, algorithm } = headers.identity;
  const verified: { -readonly [K in keyof VerifiedCcfReceipt]: VerifiedCcfReceipt[K] } = { issuer, kid, issuedAt, algorithm, root, dataHash: leaf.dataHash };
  if (entryId !== undefined) verified.entryId = entryId;
  if (signatureTransaction !== undefined) verified.signatureTransaction = signatureTransaction;
  return verified;
}

/**
 * Verifies a vds 2 (CCF_LEDGER_SHA256) receipt for a signed (or transparent) statement, in this
 * order: tag 18, protected alg and crit, vds 2, CWT claims, the key the kid names, well-formed proofs
 * in 396/-1, the signature over the root recomputed from each proof, then the binding: every leaf's
 * data hash must be statementEntry(statement). Throws a ReceiptError.
 */
export function verifyCcfReceipt(receipt: ReceiptInput, statement: Uint8Array | Sign1, resolveKey: ResolveReceiptKey, options: ReceiptVerifyOptions = {}): VerifiedCcfReceipt {
  return verifyCcfReceiptForEntry(receipt, () => statementEntry(statement), resolveKey, options);
}
