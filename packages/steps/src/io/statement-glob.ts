import type { Dirent } from 'node:fs';
import { readdir, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { subjectMatches } from '@countersign/core';
import { StepError } from '../errors.js';

/** What one directory listing found for a statement glob. */
export interface StatementGlobListing {
  /** The matching files, sorted by name, as paths. */
  paths: string[];
  /**
   * Paths of every entry of the directory the listing showed to be a regular file, matching or not;
   * none when the directory is not on a file system known to keep whole reads (see below).
   */
  regularFiles: Set<string>;
}

// Linux file systems (statfs f_type) whose regular files return fewer bytes than asked only at their
// end. Not so everywhere: a proc or sys file is "regular" and hands out a page at a time. Directories
// anywhere else list no regular files, and theirs are read until a read returns nothing.
const WHOLE_READ_FILE_SYSTEMS: ReadonlySet<number> = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs (containers)
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
]);

async function keepsWholeReads(directory: string): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    return WHOLE_READ_FILE_SYSTEMS.has((await statfs(directory)).type);
  } catch {
    return false;
  }
}

/** Statement files (or, named so by `what`, any files) matching a pattern whose wildcards (* and ?) are in the file name, sorted. */
export async function expandStatementGlob(pattern: string, what = 'statement'): Promise<string[]> {
  return (await listStatementGlob(pattern, what)).paths;
}

/** The same, with the regular files the listing showed on the way (their reads can stop at a short read). */
export async function listStatementGlob(pattern: string, what = 'statement'): Promise<StatementGlobListing> {
  const directory = dirname(pattern);
  if (/[*?]/.test(directory)) throw new StepError('STEP_USAGE', `a ${what} glob takes wildcards in the file name only, not in "${directory}"`, { input: 'statementGlobs' });
  // Entry types only where they will be used: they cost ~13 ms more per 10,000 entries, and where a
  // file system does not give them with the names, Node asks with one lstat per entry.
  const wholeReads = await keepsWholeReads(directory);
  let entries: Dirent[] | string[];
  try {
    entries = wholeReads ? await readdir(directory, { withFileTypes: true }) : await readdir(directory);
  } catch {
    throw new StepError('STEP_INPUT_NOT_FOUND', `no such directory: ${directory}`);
  }
  const matches = fileNameMatcher(basename(pattern));
  // A directory entry's name has no separator and is never . or ..: joined with the directory it
  // only gains the directory's normalized form in front, which is worked out once for a release of
  // thousands of files rather than normalizing each path.
  const prefix = join(directory, '_').slice(0, -1);
  const names: string[] = [];
  const regularFiles = new Set<string>();
  for (const entry of entries) {
    const name = typeof entry === 'string' ? entry : entry.name;
    if (matches(name)) names.push(name);
    if (typeof entry !== 'string' && entry.isFile()) regularFiles.add(prefix + name);
  }
  if (names.length === 0) throw new StepError('STEP_INPUT_NOT_FOUND', `no ${what} matches ${pattern}`);
  return { paths: names.sort().map((name) => prefix + name), regularFiles };
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
