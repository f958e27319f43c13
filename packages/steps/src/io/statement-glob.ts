import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { subjectMatcher } from '@countersign/core';
import { StepError } from '../errors.js';

/** Statement files (or, named so by `what`, any files) matching a pattern whose wildcards (* and ?) are in the file name, sorted. */
export async function expandStatementGlob(pattern: string, what = 'statement'): Promise<string[]> {
  const directory = dirname(pattern);
  if (/[*?]/.test(directory)) throw new StepError('STEP_USAGE', `a ${what} glob takes wildcards in the file name only, not in "${directory}"`, { input: 'statementGlobs' });
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    throw new StepError('STEP_INPUT_NOT_FOUND', `no such directory: ${directory}`);
  }
  const matches = subjectMatcher(basename(pattern));
  const found = names.filter(matches);
  if (found.length === 0) throw new StepError('STEP_INPUT_NOT_FOUND', `no ${what} matches ${pattern}`);
  // A directory entry's name has no separator and is never . or ..: joined with the directory it
  // only gains the directory's normalized form in front, which is worked out once for a release of
  // thousands of files rather than normalizing each path.
  const prefix = join(directory, '_').slice(0, -1);
  return found.sort().map((name) => prefix + name);
}
