import { CborTag, decode, type CborMap, type CborValue } from '../cbor/index.js';
import { algorithmById, type SignatureAlgorithm } from '../cose/algorithms.js';
import { CoseError } from '../cose/errors.js';
import { HeaderLabel } from '../cose/headers.js';
import { checkCriticalHeaders, decodeSign1, type Sign1 } from '../cose/sign1.js';
import { isCountersignError } from '../errors.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { CwtClaim } from '../statement/cwt-claims.js';
import { MAX_PATH_LENGTH, MAX_PROOFS, RECEIPT_LIMITS, RECEIPT_UNDERSTOOD_LABELS, VDS_RFC9162_SHA256, VdpKey } from './constants.js';
import { ReceiptError } from './errors.js';

export interface InclusionProofData {
  readonly treeSize: number;
  readonly leafIndex: number;
  /** Sibling hashes, nearest the leaf first. */
  readonly path: readonly Uint8Array[];
}

export interface ConsistencyProofData {
  readonly size1: number;
  readonly size2: number;
  readonly path: readonly Uint8Array[];
}

/** What a receipt says about itself, read without verifying anything (for reports). */
export interface ReceiptSummary {
  readonly tagged: boolean;
  /** The algorithm's name, or the raw label when countersign does not know it. */
  readonly algorithm?: string;
  readonly vds?: number;
  readonly issuer?: string;
  /** The kid as text when it is printable ASCII, else as hex. */
  readonly kid?: string;
  readonly issuedAt?: number;
}

function malformed(reason: string, cause?: unknown): ReceiptError {
  return new ReceiptError('RECEIPT_MALFORMED', reason, cause === undefined ? undefined : { cause });
}

/** A kid for people and for trust-policy lookups: printable ASCII as it is, anything else as hex. */
export function kidText(kid: Uint8Array): string {
  // A batch's receipts name one key: the text of the last kid is kept with a copy of its bytes.
  if (lastKid !== undefined && sameKid(lastKid.bytes, kid)) return lastKid.text;
  const text = kidTextOf(kid);
  if (kid.length <= 128) lastKid = { bytes: kid.slice(), text };
  return text;
}

let lastKid: { bytes: Uint8Array; text: string } | undefined;

function sameKid(known: Uint8Array, kid: Uint8Array): boolean {
  if (known.length !== kid.length) return false;
  for (let i = 0; i < kid.length; i++) if (known[i] !== kid[i]) return false;
  return true;
}

function kidTextOf(kid: Uint8Array): string {
  let printable = kid.length > 0;
  for (let i = 0; printable && i < kid.length; i++) printable = kid[i]! >= 0x20 && kid[i]! < 0x7f;
  // Read in place: the kid is a view into the receipt.
  return Buffer.from(kid.buffer, kid.byteOffset, kid.byteLength).toString(printable ? 'latin1' : 'hex');
}

/** Decodes a receipt's COSE_Sign1; with `requireTag`, an untagged one is RECEIPT_UNTAGGED. */
export function decodeReceipt(bytes: Uint8Array, requireTag: boolean): Sign1 {
  try {
    return decodeSign1(bytes, { requireTag, limits: RECEIPT_LIMITS });
  } catch (error) {
    if (error instanceof CoseError && error.code === 'COSE_UNTAGGED') {
      decodeReceipt(bytes, false); // not a COSE_Sign1 even untagged: say that instead
      throw new ReceiptError('RECEIPT_UNTAGGED', 'receipt is not tagged 18 (COSE_Sign1); receipts must be tagged', { cause: error });
    }
    if (isCountersignError(error)) throw malformed(`receipt is not a COSE_Sign1: ${error.message}`, error);
    throw error;
  }
}

/** A receipt as bytes, or as already decoded by decodeReceipt (a batch reads each receipt once). */
export type ReceiptInput = Uint8Array | Sign1;

/** The receipt decoded, refusing an untagged one (RECEIPT_UNTAGGED) as decodeReceipt(bytes, true) does. */
export function taggedReceipt(receipt: ReceiptInput): Sign1 {
  if (receipt instanceof Uint8Array) return decodeReceipt(receipt, true);
  if (!receipt.tagged) throw new ReceiptError('RECEIPT_UNTAGGED', 'receipt is not tagged 18 (COSE_Sign1); receipts must be tagged');
  return receipt;
}

/** The receipt's alg, with `crit` naming only labels in `understood` (each vds understands its own). */
export function receiptAlgorithm(message: Sign1, understood: ReadonlySet<CborValue> = RECEIPT_UNDERSTOOD_LABELS): SignatureAlgorithm {
  const alg = message.protectedHeader.get(HeaderLabel.alg);
  if (alg === undefined) throw new ReceiptError('RECEIPT_UNSUPPORTED_ALGORITHM', 'receipt has no alg in its protected header');
  let algorithm: SignatureAlgorithm;
  try {
    algorithm = algorithmById(alg);
  } catch (error) {
    throw new ReceiptError('RECEIPT_UNSUPPORTED_ALGORITHM', `receipt: ${(error as Error).message}`, { cause: error });
  }
  try {
    checkCriticalHeaders(message.protectedHeader, understood);
  } catch (error) {
    if (error instanceof CoseError && error.code === 'COSE_UNKNOWN_CRITICAL_HEADER') {
      throw new ReceiptError('RECEIPT_UNKNOWN_CRITICAL_HEADER', `receipt: ${error.message}`, { cause: error });
    }
    throw malformed(`receipt: ${(error as Error).message}`, error);
  }
  return algorithm;
}

const VDS_NAMES: Record<number, string> = { 1: 'RFC9162_SHA256', 2: 'CCF_LEDGER_SHA256' };

/** The receipt's vds (protected label 395) must be `expected`; a receipt's payload is always nil. */
export function checkVds(message: Sign1, expected: number = VDS_RFC9162_SHA256): void {
  const vds = message.protectedHeader.get(HeaderLabel.verifiableDataStructure);
  if (vds === undefined) throw malformed('receipt names no verifiable data structure (protected label 395)');
  if (vds !== expected) {
    throw new ReceiptError('RECEIPT_UNSUPPORTED_VDS', `receipt uses verifiable data structure ${String(vds)}; this verifier handles ${expected} (${VDS_NAMES[expected]})`);
  }
  if (message.payload !== null) throw malformed('receipt carries a payload; its payload must be nil (the tree root is detached)');
}

function numericDate(value: CborValue): number | undefined {
  const inner = value instanceof CborTag && value.tag === 1 ? value.value : value;
  return typeof inner === 'number' && Number.isFinite(inner) ? inner : undefined;
}

/**
 * iss and iat from the protected CWT claims (label 15); `strict` refuses claims of the wrong type. An
 * empty iss is malformed when strict, unless `emptyIssuerIsNone` (it then counts as no issuer).
 */
export function receiptClaims(message: Sign1, strict: boolean, emptyIssuerIsNone = false): { issuer?: string; issuedAt?: number } {
  const claims = message.protectedHeader.get(HeaderLabel.cwtClaims);
  if (claims === undefined) return {};
  if (!(claims instanceof Map)) {
    if (strict) throw malformed('receipt CWT claims (label 15) are not a map');
    return {};
  }
  const iss = claims.get(CwtClaim.iss);
  const iatValue = claims.get(CwtClaim.iat);
  const issuedAt = iatValue === undefined ? undefined : numericDate(iatValue);
  if (strict) {
    if (iss !== undefined && typeof iss !== 'string') throw malformed('receipt CWT claim iss is not text');
    if (iss === '' && !emptyIssuerIsNone) throw malformed('receipt CWT claim iss is empty');
    if (iatValue !== undefined && issuedAt === undefined) throw malformed('receipt CWT claim iat is not a NumericDate');
  }
  return { issuer: typeof iss === 'string' && iss.length > 0 ? iss : undefined, issuedAt };
}

/** The kid bytes: protected label 4, else unprotected (a hint only: the signature then proves the key). */
export function receiptKid(message: Sign1): Uint8Array | undefined {
  const kid = message.protectedHeader.get(HeaderLabel.kid) ?? message.unprotectedHeader.get(HeaderLabel.kid);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw malformed('receipt kid (label 4) is not a byte string');
  return kid;
}

/** Reads a receipt's headers without verifying it. Throws RECEIPT_MALFORMED only when it is not a COSE_Sign1. */
export function readReceiptSummary(bytes: ReceiptInput): ReceiptSummary {
  const message = bytes instanceof Uint8Array ? decodeReceipt(bytes, false) : bytes;
  const alg = message.protectedHeader.get(HeaderLabel.alg);
  let algorithm: string | undefined;
  if (alg !== undefined) {
    try {
      algorithm = algorithmById(alg).name;
    } catch {
      algorithm = String(alg);
    }
  }
  const vds = message.protectedHeader.get(HeaderLabel.verifiableDataStructure);
  const kid = message.protectedHeader.get(HeaderLabel.kid) ?? message.unprotectedHeader.get(HeaderLabel.kid);
  const { issuer, issuedAt } = receiptClaims(message, false);
  return { tagged: message.tagged, algorithm, vds: typeof vds === 'number' ? vds : undefined, issuer, issuedAt, kid: kid instanceof Uint8Array ? kidText(kid) : undefined };
}

function count(value: CborValue, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw malformed(`${what} is not a whole number from 0 to 2^53 - 1`);
}

function path(value: CborValue, what: string): Uint8Array[] {
  if (!Array.isArray(value) || value.length > MAX_PATH_LENGTH) throw malformed(`${what} path is not an array of at most ${MAX_PATH_LENGTH} hashes`);
  return value.map((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) throw malformed(`${what} hash ${i} is not a ${HASH_SIZE}-byte string`);
    return hash;
  });
}

/** Each bstr under vdp key `key`, decoded to [a, b, [hashes]]. */
function proofTriples(message: Sign1, key: number, what: string, names: readonly [string, string]): [number, number, Uint8Array[]][] {
  const vdp = message.unprotectedHeader.get(HeaderLabel.verifiableDataProofs);
  if (vdp === undefined) throw malformed('receipt has no verifiable data proofs (unprotected label 396)');
  if (!(vdp instanceof Map)) throw malformed('verifiable data proofs (label 396) are not a map');
  const list = (vdp as CborMap).get(key);
  if (list === undefined) throw malformed(`receipt has no ${what} proof (label 396, key ${key})`);
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PROOFS) {
    throw malformed(`${what} proofs (label 396, key ${key}) are not an array of 1 to ${MAX_PROOFS} proofs`);
  }
  return list.map((item, i) => {
    const name = `${what} proof ${i}`;
    if (!(item instanceof Uint8Array)) throw malformed(`${name} is not bstr-wrapped CBOR`);
    let decoded: CborValue;
    try {
      decoded = decode(item, RECEIPT_LIMITS);
    } catch (error) {
      throw malformed(`${name} does not decode: ${(error as Error).message}`, error);
    }
    if (!Array.isArray(decoded) || decoded.length !== 3) throw malformed(`${name} is not an array of three items`);
    return [count(decoded[0], `${name} ${names[0]}`), count(decoded[1], `${name} ${names[1]}`), path(decoded[2], name)];
  });
}

export function inclusionProofsOf(message: Sign1): InclusionProofData[] {
  return proofTriples(message, VdpKey.inclusion, 'inclusion', ['tree size', 'leaf index']).map(([treeSize, leafIndex, hashes]) => ({ treeSize, leafIndex, path: hashes }));
}

export function consistencyProofsOf(message: Sign1): ConsistencyProofData[] {
  return proofTriples(message, VdpKey.consistency, 'consistency', ['size1', 'size2']).map(([size1, size2, hashes]) => ({ size1, size2, path: hashes }));
}

/** The inclusion proofs (vdp -1) a receipt carries, unverified. */
export function readInclusionProofs(receipt: Uint8Array): InclusionProofData[] {
  return inclusionProofsOf(decodeReceipt(receipt, false));
}

/** The consistency proofs (vdp -2) a receipt carries, unverified. */
export function readConsistencyProofs(receipt: Uint8Array): ConsistencyProofData[] {
  return consistencyProofsOf(decodeReceipt(receipt, false));
}
