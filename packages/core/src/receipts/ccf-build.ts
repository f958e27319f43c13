import { createHash } from 'node:crypto';
import { encode, type CborMap, type CborValue, type Encodable } from '../cbor/index.js';
import type { SignatureAlgorithm } from '../cose/algorithms.js';
import { HeaderLabel } from '../cose/headers.js';
import { encodeSign1, sigStructure } from '../cose/sign1.js';
import type { Signer } from '../cose/signer.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { CwtClaim } from '../statement/cwt-claims.js';
import {
  CCF_HEADER_LABEL,
  CCF_RECEIPT_SUBJECT,
  VDS_CCF_LEDGER_SHA256,
  ccfLeafHash,
  ccfRootFromProof,
  encodeCcfInclusionProof,
  type CcfInclusionProof,
  type CcfPathElement,
} from './ccf.js';
import { MAX_PATH_LENGTH, MAX_PROOFS, VdpKey } from './constants.js';
import { statementEntry } from './entry.js';
import { ReceiptError } from './errors.js';

// Receipts in Microsoft's format, for tests and tools: countersign verifies vds 2 receipts, it never
// issues them (its embedded ledger issues vds 1).

export interface CcfReceiptHeaderInput {
  algorithm: SignatureAlgorithm;
  /** kid bytes; Microsoft's are the ASCII hex SHA-256 of the service key's SPKI (LocalSigner.keyId). */
  keyId: Uint8Array;
  /** CWT iss: the service host name (Microsoft's test ledgers write ""). */
  issuer: string;
  /** CWT iat, seconds since the epoch. */
  issuedAt?: number;
  /** CWT sub; Microsoft writes "scitt.ccf.signature.v1". */
  subject?: string;
  /** `<view>.<seqno>` of the signature transaction, written as {"ccf.v1": {"txid": ...}}. */
  signatureTransaction?: string;
}

/** A map whose entries are written in the order given (values already encoded), not in deterministic order. */
function orderedMap(entries: readonly (readonly [Encodable, Uint8Array])[]): Uint8Array {
  if (entries.length >= 24) throw new ReceiptError('RECEIPT_MALFORMED', 'header map too large');
  const parts = entries.flatMap(([key, value]) => [encode(key), value]);
  const out = new Uint8Array(1 + parts.reduce((total, part) => total + part.length, 0));
  out[0] = 0xa0 | entries.length;
  let offset = 1;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The protected header of a Microsoft Signing Transparency receipt, byte for byte:
 * `{1: alg, 4: kid, 395: 2, 15: {6: iat, 1: iss, 2: sub}, "ccf.v1": {"txid": "<view>.<seqno>"}}`,
 * in that order (not deterministic CBOR order: 395 before 15, iat before iss).
 */
export function ccfReceiptProtectedHeader(input: CcfReceiptHeaderInput): Uint8Array {
  if (typeof input.issuer !== 'string') throw new ReceiptError('RECEIPT_MALFORMED', 'a CCF receipt needs a text issuer');
  const claims: [number, Uint8Array][] = [];
  if (input.issuedAt !== undefined) {
    if (!Number.isSafeInteger(input.issuedAt) || input.issuedAt < 0) {
      throw new ReceiptError('RECEIPT_MALFORMED', `receipt iat ${String(input.issuedAt)} is not a whole number of seconds since the epoch`);
    }
    claims.push([CwtClaim.iat, encode(input.issuedAt)]);
  }
  claims.push([CwtClaim.iss, encode(input.issuer)], [CwtClaim.sub, encode(input.subject ?? CCF_RECEIPT_SUBJECT)]);
  const header: [Encodable, Uint8Array][] = [
    [HeaderLabel.alg, encode(input.algorithm.id)],
    [HeaderLabel.kid, encode(input.keyId)],
    [HeaderLabel.verifiableDataStructure, encode(VDS_CCF_LEDGER_SHA256)],
    [HeaderLabel.cwtClaims, orderedMap(claims)],
  ];
  if (input.signatureTransaction !== undefined) header.push([CCF_HEADER_LABEL, orderedMap([['txid', encode(input.signatureTransaction)]])]);
  return orderedMap(header);
}

/** A vds 2 receipt from its parts: tag 18, the protected bytes as given, `{396: {-1: [bstr .cbor proof, ...]}}`, nil, signature. */
export function encodeCcfReceipt(parts: { protectedBytes: Uint8Array; proofs: readonly CcfInclusionProof[]; signature: Uint8Array }): Uint8Array {
  if (parts.proofs.length === 0 || parts.proofs.length > MAX_PROOFS) throw new ReceiptError('RECEIPT_MALFORMED', `a receipt holds 1 to ${MAX_PROOFS} proofs`);
  const proofs = new Map<CborValue, CborValue>([[VdpKey.inclusion, parts.proofs.map(encodeCcfInclusionProof)]]);
  const unprotectedHeader: CborMap = new Map<CborValue, CborValue>([[HeaderLabel.verifiableDataProofs, proofs]]);
  return encodeSign1({ protectedBytes: parts.protectedBytes, unprotectedHeader, payload: null, signature: parts.signature });
}

export interface CcfReceiptInput {
  /** The service key (Microsoft: ES384 on P-384); its keyId becomes the kid. */
  signer: Signer;
  /** CWT iss: the service host name. */
  issuer: string;
  issuedAt?: number;
  /** The signed (or transparent) statement being registered. */
  statement: Uint8Array;
  /** Leaf hashes (32 bytes each) of the ledger's other transactions, in ledger order. */
  ledger?: readonly Uint8Array[];
  /** Where the registration sits among them, 0 to ledger.length; by default last, as in Microsoft's receipts. */
  position?: number;
  /** The registration transaction's view and seqno (default 1 and position + 1). */
  view?: number;
  seqno?: number;
  subject?: string;
}

const sha256 = (...parts: (Uint8Array | string)[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

/** A tree over `leaves` split like RFC 9162 (largest power of two on the left), nodes SHA-256(left || right), no prefixes. */
function subtreeRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  let split = 1;
  while (split * 2 < leaves.length) split *= 2;
  return sha256(subtreeRoot(leaves.slice(0, split)), subtreeRoot(leaves.slice(split)));
}

function pathTo(leaves: readonly Uint8Array[], index: number): CcfPathElement[] {
  if (leaves.length === 1) return [];
  let split = 1;
  while (split * 2 < leaves.length) split *= 2;
  if (index < split) return [...pathTo(leaves.slice(0, split), index), { left: false, hash: subtreeRoot(leaves.slice(split)) }];
  return [...pathTo(leaves.slice(split), index - split), { left: true, hash: subtreeRoot(leaves.slice(0, split)) }];
}

function wholeNumber(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ReceiptError('RECEIPT_MALFORMED', `${what} ${String(value)} is not a whole number`);
  return value;
}

/**
 * A vds 2 receipt for `statement`, byte for byte in Microsoft's format, signed by `signer` over the
 * root of a fake ledger: the registration's leaf `[write-set hash, "ce:<view>.<seqno>:<hex>",
 * statementEntry(statement)]` placed among `ledger`. The tree's shape is this builder's own (a
 * verifier only folds the path); the signature transaction is the one after the ledger's last leaf.
 * For tests and tools only.
 */
export async function ccfReceipt(input: CcfReceiptInput): Promise<Uint8Array> {
  const ledger = input.ledger ?? [];
  for (const [i, leaf] of ledger.entries()) {
    if (leaf.length !== HASH_SIZE) throw new ReceiptError('RECEIPT_MALFORMED', `ledger leaf ${i} has ${leaf.length} bytes, not ${HASH_SIZE}`);
  }
  const position = wholeNumber(input.position ?? ledger.length, 'position');
  if (position > ledger.length) throw new ReceiptError('RECEIPT_MALFORMED', `position ${position} is past the ledger's ${ledger.length} leaves`);
  const view = wholeNumber(input.view ?? 1, 'view');
  const seqno = wholeNumber(input.seqno ?? position + 1, 'seqno');
  const txid = `${view}.${seqno}`;
  const leaf = {
    internalTransactionHash: sha256('countersign test write set ', txid),
    internalEvidence: `ce:${txid}:${Buffer.from(sha256('countersign test commit secret ', txid)).toString('hex')}`,
    dataHash: statementEntry(input.statement),
  };
  const leaves = [...ledger.slice(0, position), ccfLeafHash(leaf), ...ledger.slice(position)];
  const path = pathTo(leaves, position);
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) throw new ReceiptError('RECEIPT_MALFORMED', 'a CCF receipt needs a ledger of 2 or more leaves');
  const proof: CcfInclusionProof = { leaf, path };
  const protectedBytes = ccfReceiptProtectedHeader({
    algorithm: input.signer.algorithm,
    keyId: input.signer.keyId,
    issuer: input.issuer,
    issuedAt: input.issuedAt,
    subject: input.subject,
    signatureTransaction: `${view}.${seqno + (ledger.length - position) + 1}`,
  });
  const signature = await input.signer.sign(sigStructure(protectedBytes, ccfRootFromProof(proof)));
  return encodeCcfReceipt({ protectedBytes, proofs: [proof], signature });
}
