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
  const matches = fileNameMatcher(basename(pattern));
  const found = names.filter(matches);
  if (found.length === 0) throw new StepError('STEP_INPUT_NOT_FOUND', `no ${what} matches ${pattern}`);
  // A directory entry's name has no separator and is never . or ..: joined with the directory it
  // only gains the directory's normalized form in front, which is worked out once for a release of
  // thousands of files rather than normalizing each path.
  const prefix = join(directory, '_').slice(0, -1);
  return found.sort().map((name) => prefix + name);
}

// Surrogates make a character two code units, where `?` stands for one character.
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether a file name matches the glob, as subjectMatches says. A pattern with `*` alone and no
 * surrogate is matched on the text as it is (its literal parts line up with whole characters
 * wherever they are found), which spares a release of thousands of files splitting each name into
 * characters; anything else goes to subjectMatches.
 */
export function fileNameMatcher(pattern: string): (name: string) => boolean {
  if (pattern.includes('?') || SURROGATE.test(pattern)) return (name) => subjectMatches(pattern, name);
  const segments = pattern.split('*');
  const first = segments[0] as string;
  if (segments.length === 1) return (name) => name === first;
  const last = segments[segments.length - 1] as string;
  const middles = segments.slice(1, -1);
  return (name) => {
    if (!name.startsWith(first)) return false;
    let offset = first.length;
    for (const middle of middles) {
      const found = name.indexOf(middle, offset);
      if (found < 0) return false;
      offset = found + middle.length;
    }
    return name.length - last.length >= offset && name.endsWith(last);
  };
}
