import { isCountersignError, parsePolicy, serializePolicy, type TrustPolicy } from '@countersign/core';
import { StepError } from '../errors.js';
import { readTextInput, writeOutput } from './files.js';

export async function readPolicyFile(path: string): Promise<TrustPolicy> {
  const text = await readTextInput(path, 'trust policy');
  try {
    return parsePolicy(text);
  } catch (error) {
    if (isCountersignError(error)) throw new StepError('STEP_INPUT_UNREADABLE', `${path}: ${error.message}`);
    throw error;
  }
}

export async function writePolicyFile(path: string, policy: TrustPolicy, options: { exclusive?: boolean } = {}): Promise<void> {
  await writeOutput(path, serializePolicy(policy), options);
}
