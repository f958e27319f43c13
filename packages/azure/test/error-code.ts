import { isCountersignError } from '@countersign/core';

/**
 * The code of the typed error `work` rejects with, or `whenNone` when it resolves. Anything that is
 * not a CountersignError is rethrown, so an untyped failure fails the test instead of passing as a code.
 */
export async function rejectionCode(work: () => Promise<unknown>, whenNone = 'ok'): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (isCountersignError(error)) return error.code;
    throw error;
  }
  return whenNone;
}

export function errorCode(work: () => unknown, whenNone = 'ok'): string {
  try {
    work();
  } catch (error) {
    if (isCountersignError(error)) return error.code;
    throw error;
  }
  return whenNone;
}

/** The HTTP status and service error code an SDK call fails with, or nothing when it succeeds. */
export async function statusOf(work: () => Promise<unknown>): Promise<{ statusCode?: number; code?: string }> {
  try {
    await work();
    return {};
  } catch (error) {
    const { statusCode, code } = error as { statusCode?: number; code?: string };
    return { statusCode, code };
  }
}

/** What an SDK call that must fail throws, as thrown (for code that reads it, such as vaultFailure). */
export async function sdkFailureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}
