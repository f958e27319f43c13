import { CountersignError } from '@countersign/core';

export type CliErrorCode =
  | 'USAGE' // unknown command or option, missing or conflicting arguments
  | 'INPUT_NOT_FOUND' // a named file does not exist
  | 'INPUT_UNREADABLE' // a file exists but cannot be read or parsed for its purpose
  | 'OUTPUT_FAILED'; // a result could not be written

/** Problems with what the user asked for or pointed at; always exit code 2. */
export class CliError extends CountersignError<CliErrorCode> {
  readonly area = 'cli';
}

/** Exit codes shared by every command: 0 success or verified, 1 verification failed, 2 wrong usage or unreadable input. */
export const ExitCode = Object.freeze({ OK: 0, VERIFICATION_FAILED: 1, USAGE_OR_INPUT: 2 });
