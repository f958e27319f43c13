export { VerdictBuilder, firstFailure, type Check, type CheckName, type Outcome, type ReceiptFacts, type StatementFacts, type Verdict } from './verdict.js';
export { verifyStatement, type ArtifactDigest, type VerifyStatementInput } from './verify-statement.js';
export { issuerKey, type IssuerKeyResult } from './issuer-key.js';
