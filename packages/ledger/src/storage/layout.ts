import { HASH_SIZE } from '@countersign/core';

/**
 * The ledger directory's files. Every name the ledger may create is listed here, so that a
 * directory holding anything else is recognisably not a ledger and is left alone.
 */
export const FORMAT_FILE = 'FORMAT';
export const FORMAT_TEMP_FILE = 'FORMAT.tmp';
export const LOCK_FILE = 'LOCK';
export const TAKEOVER_FILE = 'LOCK.takeover';
/** Statement bytes, back to back, in index order. */
export const STATEMENTS_FILE = 'statements.dat';
/** One INDEX_RECORD_SIZE record per statement: where its bytes are and their checksum. */
export const INDEX_FILE = 'index.dat';
/** One 32-byte entry per statement; the only file read in full on open (to rebuild the dedup map). */
export const ENTRIES_FILE = 'entries.dat';
/** Length- and checksum-framed (tree size, seal) records, one per committed batch. */
export const HEADS_FILE = 'heads.log';

const MAGIC = 'countersign-ledger';
export const FORMAT_VERSION = 1;
export const FORMAT_TEXT = `${MAGIC}\nformat ${FORMAT_VERSION}\n`;

/** Tree sizes are JavaScript numbers, so there are at most 53 levels. */
export const MAX_LEVELS = 53;

/** offset u64 BE | length u32 BE | checksum u32 BE. */
export const INDEX_RECORD_SIZE = 16;

export function levelFile(level: number): string {
  return `level-${String(level).padStart(2, '0')}.hashes`;
}

const LEVEL_FILE = /^level-(\d{2})\.hashes$/;

export function isLedgerFileName(name: string): boolean {
  if ([FORMAT_FILE, FORMAT_TEMP_FILE, LOCK_FILE, TAKEOVER_FILE, STATEMENTS_FILE, INDEX_FILE, ENTRIES_FILE, HEADS_FILE].includes(name)) return true;
  const match = LEVEL_FILE.exec(name);
  return match !== null && Number(match[1]) < MAX_LEVELS;
}

/** Files a crash during initialisation can leave behind before FORMAT exists: still "empty". */
export function isInitLeftover(name: string): boolean {
  return name === LOCK_FILE || name === TAKEOVER_FILE || name === FORMAT_TEMP_FILE;
}

/** Number of hashes at `level` in a tree of `treeSize` leaves: its complete aligned subtrees. */
export function levelLength(treeSize: number, level: number): number {
  return Math.floor(treeSize / 2 ** level);
}

/** Levels holding at least one hash. */
export function levelCount(treeSize: number): number {
  let levels = 0;
  while (levels < MAX_LEVELS && levelLength(treeSize, levels) > 0) levels++;
  return levels;
}

/**
 * Level files are fdatasync'ed by every batch that reaches a multiple of this many leaves (and by a
 * batch that creates one), not by the others: recovery recomputes the hashes past the last multiple
 * below the committed size from entries.dat, which every batch makes durable before its head.
 */
export const LEVEL_SYNC_INTERVAL = 4096;

/** Leaves whose level hashes are durable in a tree of `treeSize` committed leaves. */
export const levelsDurableThrough = (treeSize: number): number => treeSize - (treeSize % LEVEL_SYNC_INTERVAL);

export const levelBytes = (treeSize: number, level: number): number => levelLength(treeSize, level) * HASH_SIZE;
export const entriesBytes = (treeSize: number): number => treeSize * HASH_SIZE;
export const indexBytes = (treeSize: number): number => treeSize * INDEX_RECORD_SIZE;

/** Result of reading FORMAT: ours, someone else's, or ours from another version. */
export function checkFormat(text: string): { ok: true } | { ok: false; why: string } {
  if (text === FORMAT_TEXT) return { ok: true };
  const [magic, version] = text.split('\n');
  if (magic !== MAGIC) return { ok: false, why: `${FORMAT_FILE} does not start with "${MAGIC}"` };
  return { ok: false, why: `${FORMAT_FILE} says "${version ?? ''}", this countersign reads format ${FORMAT_VERSION}` };
}
