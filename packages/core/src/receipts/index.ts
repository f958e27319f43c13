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
  type ReceiptInput,
  type ConsistencyProofData,
  type InclusionProofData,
  type ReceiptSummary,
} from './read.js';
export {
  verifyConsistencyReceipt,
  verifyInclusionReceipt,
  verifyInclusionReceiptForEntry,
  verifyTreeHead,
  type ReceiptVerifyOptions,
  type ResolveReceiptKey,
  type VerifiedConsistencyReceipt,
  type VerifiedReceipt,
  type VerifiedTreeHead,
} from './verify.js';
export { embedReceipts, receiptsOf } from './transparent-statement.js';
export {
  CCF_HEADER_LABEL,
  CCF_RECEIPT_SUBJECT,
  CcfProofKey,
  MAX_CCF_EVIDENCE_LENGTH,
  VDS_CCF_LEDGER_SHA256,
  ccfEntryId,
  ccfLeafHash,
  ccfRootFromProof,
  decodeCcfInclusionProof,
  encodeCcfInclusionProof,
  readCcfInclusionProofs,
  type CcfInclusionProof,
  type CcfLeaf,
  type CcfPathElement,
} from './ccf.js';
export { verifyCcfReceipt, verifyCcfReceiptForEntry, type VerifiedCcfReceipt } from './ccf-verify.js';
export { verifyReceipt, type AnyVerifiedReceipt } from './any-vds.js';
// The builder makes receipts in Microsoft's format for tests and tools; verifiers never need it.
export { ccfReceipt, ccfReceiptProtectedHeader, encodeCcfReceipt, type CcfReceiptInput, type CcfReceiptHeaderInput } from './ccf-build.js';
export { jwksKeyResolver, serviceKeysById } from './service-keys.js';
export { DEFAULT_SIGNATURE_CACHE_ENTRIES, ReceiptSignatureCache } from './signature-cache.js';
