import { CountersignError, isCountersignError } from '@countersign/core';
import { JUDGED_FAILURES, StepError, type StepInput } from '@countersign/steps';

export type CliErrorCode =
  | 'USAGE' // unknown command or option, missing or conflicting arguments
  | 'INPUT_NOT_FOUND' // a named file does not exist
  | 'INPUT_UNREADABLE' // a file exists but cannot be read or parsed for its purpose
  | 'OUTPUT_FAILED'; // a result could not be written

/** Problems with what the user asked for or pointed at; always exit code 2. */
export class CliError extends CountersignError<CliErrorCode> {
  readonly area = 'cli';
}

/** Exit codes shared by every command: 0 success or verified, 1 verification failed, 2 wrong usage or unreadable input, 70 a bug. */
export const ExitCode = Object.freeze({ OK: 0, VERIFICATION_FAILED: 1, USAGE_OR_INPUT: 2, INTERNAL: 70 });

/**
 * The exit code of a failure: a step that judged and said no (a verification, a registration, an
 * unfinished rotation) is 1; any other CountersignError, the steps' own or one passed through from
 * core, the ledger or Key Vault, is input the command could not use (2); anything else is a bug (70).
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof StepError && JUDGED_FAILURES.has(error.code)) return ExitCode.VERIFICATION_FAILED;
  return isCountersignError(error) ? ExitCode.USAGE_OR_INPUT : ExitCode.INTERNAL;
}

/** The flag (or variable) a step's input is given with on the command line. */
const FLAGS: Partial<Record<StepInput, string>> = {
  outputDir: '--out',
  concurrency: '--concurrency',
  x5chain: '--x5chain',
  digest: '--digest',
  statement: '--statement',
  statementGlobs: '--statement-glob',
  lockfile: '--lock',
  serviceUrl: '--service',
  serviceIdentity: '--service-identity',
  serviceIdentityUrl: '--service-identity-url',
  token: 'COUNTERSIGN_TOKEN',
  tokenProvider: '--azure-credential',
  apiVersion: '--api-version',
  issuer: '--issuer',
  key: '--key',
  ca: '--ca',
  known: '--known',
  state: '--state',
  since: '--since',
  until: '--until',
};

/**
 * A failure as the CLI says it: messages below the CLI name inputs neutrally, so the flag that
 * fixes it is added here, and a usage mistake points at the command's --help as the CLI's own do.
 */
export function messageOf(error: CountersignError, command?: string): string {
  const hints: string[] = [];
  if (error instanceof StepError) {
    const flag = error.input && FLAGS[error.input];
    if (flag) hints.push(flag);
    if (error.code === 'STEP_OUTPUT_EXISTS') hints.push('pass --force to replace it');
    if (error.resumeKeyUrl) hints.push(`--key ${error.resumeKeyUrl}`);
    if (error.code === 'STEP_USAGE' && command) hints.push(`see: countersign ${command} --help`);
  }
  if (error.code === 'TS_TLS') hints.push('--service-identity FILE');
  return hints.length ? `${error.message} (${hints.join('; ')})` : error.message;
}
