export { StatementError, type StatementErrorCode } from './errors.js';
export { CwtClaim, readCwtClaims, type CwtClaims } from './cwt-claims.js';
export { artifactHashAlgorithm, expectedArtifactDigest, readStatementPayload, type StatementPayload } from './payload.js';
export {
  DEFAULT_MAX_STATEMENT_SIZE,
  STATEMENT_UNDERSTOOD_LABELS,
  createSignedStatement,
  parseSignedStatement,
  readReceiptList,
  verifyStatementSignature,
  type SignedStatement,
  type StatementToSign,
} from './signed-statement.js';
export { checkStatementValidAt, formatNumericDate } from './validity-period.js';
export {
  KEY_ROTATION_CONTENT_TYPE,
  KEY_ROTATION_SUBJECT_PREFIX,
  canonicalPublicJwk,
  checkKeyRotationStatement,
  createKeyRotationStatement,
  type KeyRotationToSign,
} from './key-rotation.js';
