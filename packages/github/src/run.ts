import * as core from '@actions/core';
import { isCountersignError } from '@countersign/core';
import { JUDGED_FAILURES, StepError, type StepInput } from '@countersign/steps';
import { ActionsHost, flushSummaries } from './host.js';

/** The action input a step's neutral input name stands for, so a reason points at what the workflow wrote. */
const INPUTS: Partial<Record<StepInput, string>> = {
  files: 'subject-path',
  statement: 'statement-path',
  statementGlobs: 'statement-path',
  statements: 'statement-path',
  outputDir: 'output-dir',
  x5chain: 'x5chain',
  trustPolicy: 'trust-policy',
  lockfile: 'lockfile',
  serviceUrl: 'service-url',
  serviceIdentity: 'service-identity',
  issuer: 'issuer',
  key: 'key',
  known: 'known',
  state: 'state-path',
};

/** The one line a failed step ends with: the step's own reason, with the input at fault named; never a stack trace. */
export function reasonOf(error: unknown): string {
  if (error instanceof StepError) {
    const input = error.input && INPUTS[error.input];
    const prefix = JUDGED_FAILURES.has(error.code) ? '' : 'cannot run: ';
    return `${prefix}${error.message}${input ? ` (input ${input})` : ''} [${error.code}]`;
  }
  if (isCountersignError(error)) return `cannot run: ${error.message} [${error.code}]`;
  // An error no layer expected: its message only, since a stack trace says nothing to a workflow author.
  return `internal error: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
}

/** Runs one action: the step under an @actions/core host, and any failure as one ::error line and exit code 1. */
export async function runAction(main: (host: ActionsHost) => Promise<void>): Promise<void> {
  try {
    await main(new ActionsHost());
  } catch (error) {
    core.setFailed(reasonOf(error));
  } finally {
    await flushSummaries();
  }
}
