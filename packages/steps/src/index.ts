export { StepError, isStepError, JUDGED_FAILURES, type StepErrorCode, type StepInput } from './errors.js';
export { RecordingHost, type AnnotationTarget, type Host, type HostMessage, type UploadOutcome } from './host.js';
export type { KeyVersion, KeyVersions } from './key-versions.js';
export { borrowedSession, type ServiceOpener, type ServiceSession } from './service-session.js';

export { signArtifacts, defaultIssuer, statementPathOf, DEFAULT_SIGN_CONCURRENCY, type SignStepInput, type SignedArtifact } from './steps/sign.js';
export { logStatements, registrationFailure, transparentStatementPathOf, type LogStepInput, type LoggedStatement } from './steps/log.js';
export { verifyArtifacts, verifyArtifact, verificationFailure, type VerifyPair, type VerifyStepInput, type VerifyStepResult } from './steps/verify.js';
export { verifyStep, pairsOf, type VerifyRequest, type VerifyStepOutcome } from './steps/verify-step.js';
export { verdictsMarkdown } from './steps/summary.js';
export { releaseArtifact, type ReleaseInput, type ReleaseResult } from './steps/release.js';
export { rotateKey, type RotateKeyInput, type RotateKeyResult } from './steps/rotate-key.js';

export { ScrapiClient, type ScrapiClientOptions } from './transparency/scrapi-client.js';
export type { TokenProvider } from './transparency/bearer-scope.js';
export { CODE_TRANSPARENCY_API_VERSION, confidentialLedgerName, defaultApiVersion } from './transparency/api-version.js';
export { fetchConfidentialLedgerIdentity, fetchServiceIdentity, ledgerIdentityUrl, readServiceIdentityFile, LEDGER_IDENTITY_SERVICE } from './transparency/service-identity.js';

export { exists, readInput, readInputSync, readTextInput, writeOutput, type WriteOptions } from './io/files.js';
export { CHUNK_SIZE, MIN_WORKER_BYTES, digestFile, digestFiles, type DigestFilesOptions, type FileDigest } from './io/digest-files.js';
export { planOutputs, type OutputPlan, type PlannedOutput } from './io/output-plan.js';
export { readPolicyFile, writePolicyFile } from './io/policy-file.js';
export { expandStatementGlob } from './io/statement-glob.js';
export { guessContentType } from './io/content-type.js';
export { isKeyVaultUrl, openSigningKey, type OpenedKey } from './io/signing-key.js';

export { monitorLog, monitorFailure, monitorMarkdown, alertLine, DEFAULT_MONITOR_CONCURRENCY, DEFAULT_MONITOR_STATE, type MonitorAlert, type MonitorAlertKind, type MonitorInput, type MonitorResult } from './steps/monitor.js';
export { listEntries, entriesFailure, type EntriesInput, type EntriesResult, type ListedEntry } from './steps/entries.js';
export type { EntryLog } from './monitor/entry-log.js';
export { parseKnownList } from './monitor/expectations.js';
export { MONITOR_STATE_VERSION, type MonitorState } from './monitor/state.js';
export { sequenceNumberOf, type EntryIdRange, type ListingLimits } from './transparency/entry-listing.js';
