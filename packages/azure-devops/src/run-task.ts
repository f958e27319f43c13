import * as tl from 'azure-pipelines-task-lib/task.js';
import { isCountersignError } from '@countersign/core';
import { isStepError, type StepInput } from '@countersign/steps';
import { TaskError } from './errors.js';
import { PipelinesHost } from './pipelines-host.js';

/** The task inputs the steps' neutral input names stand for, so a failure points at what the pipeline wrote. */
const TASK_INPUT: Partial<Record<StepInput, string>> = {
  files: 'subjectPath',
  statement: 'statementPath',
  statements: 'statementPath',
  statementGlobs: 'statementPath',
  outputDir: 'outputDir',
  x5chain: 'x5chain',
  trustPolicy: 'trustPolicy',
  lockfile: 'lockfile',
  serviceUrl: 'serviceUrl',
  serviceIdentity: 'serviceIdentity',
  issuer: 'issuer',
  key: 'key',
  known: 'known',
  state: 'statePath',
};

/**
 * The task's failed result in one line: the code first (what a pipeline author searches for), then
 * the input at fault, then the reason. Never a stack: the agent shows the reason as the task's error.
 */
export function failureReason(error: unknown): string {
  if (error instanceof TaskError) return `${error.code}: ${error.input} ${error.message}`;
  if (isStepError(error)) {
    const input = error.input === undefined ? undefined : TASK_INPUT[error.input];
    const resume = error.resumeKeyUrl ? ` (run again with key ${error.resumeKeyUrl} to finish)` : '';
    return `${error.code}: ${input ? `${input}: ` : ''}${error.message}${resume}`;
  }
  if (isCountersignError(error)) return `${error.code}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `UNEXPECTED: ${message.split('\n')[0]}`;
}

/**
 * Runs one task's work with a PipelinesHost: the summary is attached whatever the outcome, then the
 * result is set, Succeeded or Failed with its one-line reason, so the run shows it explicitly.
 */
export async function runTask(title: string, work: (host: PipelinesHost) => Promise<void>): Promise<void> {
  const host = new PipelinesHost();
  let failure: string | undefined;
  try {
    await work(host);
  } catch (error) {
    failure = host.masked(failureReason(error));
  }
  await host.publishSummary(title).catch((error: unknown) => host.warn(`the summary could not be attached: ${failureReason(error)}`));
  if (failure === undefined) tl.setResult(tl.TaskResult.Succeeded, '');
  else tl.setResult(tl.TaskResult.Failed, failure);
}
