import type { CborValue, DecodeLimits } from '../cbor/index.js';
import { COSE_UNDERSTOOD_LABELS, HeaderLabel } from '../cose/headers.js';

/** Verifiable data structure 1 (RFC 9942): an RFC 9162 tree over SHA-256. */
export const VDS_RFC9162_SHA256 = 1;

/** Keys of the verifiable data proofs map (unprotected label 396). */
export const VdpKey = Object.freeze({ inclusion: -1, consistency: -2 } as const);

/**
 * A private-use protected header label (RFC 9052 section 16.2 reserves labels below -65536) where the
 * embedded ledger states the tree size its signature is for. RFC 9162 proofs do not always pin the
 * size by themselves; with this label the signature does. Other verifiers ignore it (it is never crit).
 */
export const TREE_SIZE_LABEL = -65537;

/** Labels a receipt's `crit` may name. */
export const RECEIPT_UNDERSTOOD_LABELS: ReadonlySet<CborValue> = new Set<CborValue>([...COSE_UNDERSTOOD_LABELS, HeaderLabel.verifiableDataStructure, TREE_SIZE_LABEL]);

/** A receipt is a few hundred bytes to a few KB; anything far larger is refused before decoding. */
export const MAX_RECEIPT_SIZE = 256 * 1024;

export const RECEIPT_LIMITS: Partial<DecodeLimits> = { maxInputSize: MAX_RECEIPT_SIZE, maxDepth: 16, maxItems: 20_000 };

/** Proofs one receipt may list under one vdp key. */
export const MAX_PROOFS = 16;

/** Hashes one proof may hold: a path in a tree of up to 2^64 leaves. */
export const MAX_PATH_LENGTH = 64;
