import { isCountersignError } from '../src/errors.js';

/**
 * The code of the typed error `fn` throws, or `whenNone` when it returns. Anything that is not a
 * CountersignError is rethrown, so an untyped failure fails the test instead of passing as a code.
 */
export function errorCode<Code extends string = string>(fn: () => unknown, whenNone = 'ok'): Code | string {
  try {
    fn();
  } catch (error) {
    if (isCountersignError(error)) return error.code as Code;
    throw error;
  }
  return whenNone;
}
