export { main, COMMANDS, type MainIo } from './main.js';
export { CliError, ExitCode, type CliErrorCode } from './errors.js';
export { ConsoleHost, RecordingHost, type Host } from './host.js';
export { signArtifacts, defaultIssuer, type SignStepInput, type SignedArtifact } from './steps/sign.js';
export { verifyArtifact, verifyArtifacts, type VerifyPair, type VerifyStepInput, type VerifyStepResult } from './steps/verify.js';
export { releaseArtifact, type ReleaseInput, type ReleaseResult } from './steps/release.js';
export { rotateKey, type RotateKeyInput, type RotateKeyResult } from './steps/rotate-key.js';
export { RotationError, type RotationErrorCode } from './steps/rotation-error.js';
