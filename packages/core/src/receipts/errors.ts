import { CountersignError } from '../errors.js';

export type ReceiptErrorCode =
  | 'RECEIPT_MALFORMED' // not a COSE_Sign1, a header of the wrong type, a payload where the root is detached, a proof that is not [size, index, [32-byte hashes]]
  | 'RECEIPT_UNTAGGED' // receipts must carry tag 18
  | 'RECEIPT_UNSUPPORTED_ALGORITHM' // no alg in the protected header, or one countersign does not verify
  | 'RECEIPT_UNKNOWN_CRITICAL_HEADER' // crit names a label this verifier does not understand
  | 'RECEIPT_UNSUPPORTED_VDS' // a verifiable data structure other than the one this verifier handles
  | 'RECEIPT_UNKNOWN_KEY' // no kid, or no trusted key for the kid (and issuer) it names
  | 'RECEIPT_KEY_MISMATCH' // the key found for the kid cannot verify the receipt's algorithm
  | 'RECEIPT_BAD_PROOF' // the proof cannot describe the tree: index out of range, wrong number of hashes, proofs that disagree
  | 'RECEIPT_BAD_SIGNATURE' // the signature does not cover the root recomputed from the proof (and, for inclusion, the statement)
  | 'RECEIPT_NOT_FOR_STATEMENT'; // the receipt names another entry (structures that carry the entry, such as vds 2)

export class ReceiptError extends CountersignError<ReceiptErrorCode> {
  readonly area = 'receipt';
}
