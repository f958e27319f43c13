import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { subjectMatches } from '@countersign/core';
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
  const matches = names.filter((name) => subjectMatches(basename(pattern), name)).sort();
  if (matches.length === 0) throw new StepError('STEP_INPUT_NOT_FOUND', `no ${what} matches ${pattern}`);
  return matches.map((name) => join(directory, name));
}
