import { CountersignError } from '@countersign/core';

export type StepErrorCode =
  | 'STEP_USAGE' // an input is missing or malformed, or inputs that do not go together
  | 'STEP_INPUT_NOT_FOUND' // a file or directory an input names does not exist (or a pattern matches nothing)
  | 'STEP_INPUT_UNREADABLE' // it exists but cannot be read, or parsed for its purpose
  | 'STEP_OUTPUT_FAILED' // a result could not be written
  | 'STEP_OUTPUT_EXISTS' // a result would replace a file that must never be silently replaced
  | 'STEP_VERIFICATION_FAILED' // an artifact did not verify (the verdicts say which check failed)
  | 'STEP_REGISTRATION_FAILED' // a statement was refused by (or could not reach) the transparency service
  | 'STEP_ROTATION_INCOMPLETE' // the new key version exists, but a later part of the rotation failed: run it again to finish
  | 'STEP_ROTATION_STATEMENT_MISMATCH' // the file where the rotation statement goes holds something else
  | 'STEP_ROTATION_NO_REGISTRATION_TIME' // the receipt does not say when the rotation statement was registered
  | 'STEP_MONITOR_ALERT'; // the monitor found what no release made, a re-signing, an entry it could not verify, or a rewritten log

/**
 * The inputs of the steps, named neutrally: a message below the front ends never quotes a CLI flag or
 * an action input, and a front end that wants to point at its own spelling maps these names to it.
 */
export type StepInput =
  | 'files'
  | 'statements'
  | 'outputDir'
  | 'concurrency'
  | 'x5chain'
  | 'digest'
  | 'statement'
  | 'statementGlobs'
  | 'trustPolicy'
  | 'lockfile'
  | 'serviceUrl'
  | 'serviceIdentity'
  | 'serviceIdentityUrl'
  | 'token'
  | 'tokenProvider'
  | 'apiVersion'
  | 'issuer'
  | 'key'
  | 'ca'
  | 'known'
  | 'state'
  | 'since'
  | 'until';

/** What failure codes mean for a front end: the run judged something and said no, or it could not run as asked. */
export const JUDGED_FAILURES: ReadonlySet<StepErrorCode> = new Set(['STEP_VERIFICATION_FAILED', 'STEP_REGISTRATION_FAILED', 'STEP_ROTATION_INCOMPLETE', 'STEP_MONITOR_ALERT']);

/**
 * The one error class of every step. Errors of core (and of the adapters a front end hands in, such
 * as a Key Vault signer) pass through unchanged: they are CountersignErrors too, each with its own
 * area and code, and a front end treats them as input it could not use.
 */
export class StepError extends CountersignError<StepErrorCode> {
  readonly area = 'step';
  /** The input at fault, when one is. */
  readonly input?: StepInput;
  /** For STEP_ROTATION_INCOMPLETE: the key version URL that, given as the key again, finishes the rotation. */
  readonly resumeKeyUrl?: string;

  constructor(code: StepErrorCode, message: string, options: { cause?: unknown; input?: StepInput; resumeKeyUrl?: string } = {}) {
    super(code, message, { cause: options.cause });
    if (options.input !== undefined) this.input = options.input;
    if (options.resumeKeyUrl !== undefined) this.resumeKeyUrl = options.resumeKeyUrl;
  }
}

export function isStepError(value: unknown): value is StepError {
  return value instanceof StepError;
}
