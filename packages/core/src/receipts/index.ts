export { ReceiptError, type ReceiptErrorCode } from './errors.js';
export { MAX_RECEIPT_SIZE, TREE_SIZE_LABEL, VDS_RFC9162_SHA256, VdpKey } from './constants.js';
export { statementEntry, statementLeafHash } from './entry.js';
export { signTreeHead, treeHeadMessage, treeHeadProtectedHeader, type SignedTreeHead, type TreeHeadToSign } from './tree-head.js';
export { consistencyReceipt, inclusionReceipt } from './build.js';
export {
  kidText,
  readConsistencyProofs,
  readInclusionProofs,
  readReceiptSummary,
  type ConsistencyProofData,
  type InclusionProofData,
  type ReceiptSummary,
} from './read.js';
export {
  verifyConsistencyReceipt,
  verifyInclusionReceipt,
  verifyInclusionReceiptForEntry,
  verifyTreeHead,
  type ResolveReceiptKey,
  type VerifiedConsistencyReceipt,
  type VerifiedReceipt,
  type VerifiedTreeHead,
} from './verify.js';
export { embedReceipts, receiptsOf } from './transparent-statement.js';
