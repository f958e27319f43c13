import { emptyLock, isCountersignError, parseLock, type Lockfile } from '@countersign/core';
import { StepError } from '../errors.js';
import { exists, readTextInput } from '../io/files.js';

/** What our releases made: the lockfile's pins and the known list's statements. */
export interface Expectations {
  lock: Lockfile;
  /** Statement hash -> the artifact digest it was pinned for, or undefined when pinned for any. */
  known: ReadonlyMap<string, string | undefined>;
  /** Artifact digest -> the statement hash the known list pins it to. */
  knownDigests: ReadonlyMap<string, string>;
}

export type Classification = { kind: 'known' } | { kind: 'unexpected' | 'conflict'; reason: string };

const STATEMENT_HASH = /^[0-9a-f]{64}$/;
const DIGEST = /^sha(256|384|512):[0-9a-f]+$/;

/**
 * The known list: one statement a line, `STATEMENT_HASH` (hex SHA-256 of the statement with its
 * unprotected header emptied, as a lockfile's statementHash) or `ALG:HEX STATEMENT_HASH` (that
 * statement for that artifact); `#` starts a comment.
 */
export function parseKnownList(text: string, path: string): Map<string, string | undefined> {
  const known = new Map<string, string | undefined>();
  text.split('\n').forEach((raw, index) => {
    // Most lines are one statement hash as written: a run with nothing new still reads every line.
    if (raw.length === 64 && STATEMENT_HASH.test(raw)) {
      known.set(raw, undefined);
      return;
    }
    const comment = raw.indexOf('#');
    const line = (comment < 0 ? raw : raw.slice(0, comment)).trim().toLowerCase();
    if (!line) return;
    const fields = line.split(/\s+/);
    const [first, second] = fields;
    if (fields.length === 1 && STATEMENT_HASH.test(first as string)) known.set(first as string, undefined);
    else if (fields.length === 2 && DIGEST.test(first as string) && STATEMENT_HASH.test(second as string)) known.set(second as string, first);
    else throw new StepError('STEP_INPUT_UNREADABLE', `${path}:${index + 1}: a line is STATEMENT_HASH or ALG:HEX STATEMENT_HASH (64 hex digits)`, { input: 'known' });
  });
  return known;
}

export async function loadExpectations(lockfile: string | undefined, knownFile: string | undefined): Promise<Expectations> {
  let lock = emptyLock();
  if (lockfile !== undefined) {
    if (!(await exists(lockfile))) throw new StepError('STEP_INPUT_NOT_FOUND', `${lockfile} does not exist`, { input: 'lockfile' });
    try {
      lock = parseLock(await readTextInput(lockfile, 'lockfile'));
    } catch (error) {
      if (isCountersignError(error) && error.area === 'lock') throw new StepError('STEP_INPUT_UNREADABLE', `${lockfile}: ${error.message}`, { input: 'lockfile' });
      throw error;
    }
  }
  const known = knownFile === undefined ? new Map<string, string | undefined>() : parseKnownList(await readTextInput(knownFile, 'known list'), knownFile);
  const knownDigests = new Map<string, string>();
  for (const [hash, digest] of known) if (digest !== undefined) knownDigests.set(digest, hash);
  return { lock, known, knownDigests };
}

/**
 * known: the lockfile (or the known list) pins this very statement for the artifact. conflict: they
 * pin the artifact to another statement (a re-signing). unexpected: nothing of ours made it.
 */
export function classify(expectations: Expectations, digest: string, statementHash: string): Classification {
  const pinned = expectations.lock.artifacts[digest];
  if (pinned?.statementHash === statementHash) return { kind: 'known' };
  const knownFor = expectations.known.get(statementHash);
  if (expectations.known.has(statementHash) && (knownFor === undefined || knownFor === digest)) return { kind: 'known' };
  if (pinned) return { kind: 'conflict', reason: `the lockfile pins ${digest} to statement ${pinned.statementHash.slice(0, 16)}..., this is statement ${statementHash.slice(0, 16)}... (re-signed)` };
  const knownHash = expectations.knownDigests.get(digest);
  if (knownHash) return { kind: 'conflict', reason: `the known list pins ${digest} to statement ${knownHash.slice(0, 16)}..., this is statement ${statementHash.slice(0, 16)}... (re-signed)` };
  return { kind: 'unexpected', reason: 'no release of ours made this statement (not in the lockfile or the known list)' };
}
