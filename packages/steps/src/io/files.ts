import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StepError } from '../errors.js';

/** Reads a whole input file, turning file-system failures into one-line StepErrors that name the file and its role. */
export async function readInput(path: string, role: string, maxBytes = 64 * 1024 * 1024): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new StepError('STEP_INPUT_UNREADABLE', `${role} ${path} is a directory`);
    if (info.size > maxBytes) throw new StepError('STEP_INPUT_UNREADABLE', `${role} ${path} is larger than ${maxBytes} bytes`);
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw asInputError(error, path, role);
  }
}

/**
 * The same, without leaving the thread: batch verification reads thousands of small files, where a
 * trip through the thread pool per call costs more than the read itself.
 */
export function readInputSync(path: string, role: string, maxBytes = 64 * 1024 * 1024): Uint8Array {
  const bytes = readSmallInputSync(path, role, maxBytes);
  if (!bytes) throw new StepError('STEP_INPUT_UNREADABLE', `${role} ${path} is larger than ${maxBytes} bytes`);
  return bytes;
}

// Small inputs are read into one buffer, reused by every read on this thread: a batch reads thousands
// of files of a few KiB, and a fresh buffer per file (with an fstat to size it) costs more than the read.
const SCRATCH_BYTES = 64 * 1024;
let scratch: Uint8Array | undefined;
/**
 * Pipes and devices tell no size, and a pipe cannot be read twice (a caller that streams large files
 * could not start again): they are read to their end, as inputs read whole always were, up to this.
 */
export const WITHOUT_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * Lends a whole file of at most `maxBytes` to `use`, without leaving the thread, and returns what `use`
 * returns; undefined when the file is larger (for callers that stream large files instead). The bytes
 * are only valid during `use`, which must not read another file. Files that fit the scratch buffer cost
 * one open, reads up to the end (the last one empty) and a close: no fstat, no allocation. Larger ones
 * are sized with fstat, refused early when over `maxBytes`, and read into a buffer of their own; however
 * a file grows while it is read, no more than `maxBytes` (and one byte to tell) are ever taken in. Pipes
 * and devices, which tell no size, are read to their end, up to WITHOUT_SIZE_LIMIT.
 */
export function withSmallInputSync<T>(path: string, role: string, maxBytes: number, use: (bytes: Uint8Array) => T): T | undefined {
  let fd: number | undefined;
  let bytes: Uint8Array | undefined;
  try {
    fd = openSync(path, 'r');
    bytes = readWhole(fd, maxBytes);
  } catch (error) {
    throw asInputError(error, path, role);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return bytes === undefined ? undefined : use(bytes);
}

/** The same, as bytes of the caller's own. */
export function readSmallInputSync(path: string, role: string, maxBytes: number): Uint8Array | undefined {
  // Only bytes in the scratch buffer need a copy (from Buffer's pool: a typed array of its own per
  // file costs several times the copy); a larger file's buffer is already the caller's.
  return withSmallInputSync(path, role, maxBytes, (bytes) => (bytes.buffer === scratch?.buffer ? pooledCopy(bytes) : bytes));
}

function pooledCopy(bytes: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(bytes.length);
  copy.set(bytes);
  return copy;
}

function readWhole(fd: number, maxBytes: number): Uint8Array | undefined {
  scratch ??= new Uint8Array(SCRATCH_BYTES);
  // One byte past the limit tells a file of exactly `maxBytes` from a larger one.
  const first = Math.min(scratch.length, maxBytes + 1);
  let filled = readUntilFullOrEnd(fd, scratch, 0, first);
  if (filled < first) return scratch.subarray(0, filled);
  // The file goes on past the scratch buffer or the limit: size it once.
  const info = fstatSync(fd);
  const limit = info.isFile() ? maxBytes : Math.max(maxBytes, WITHOUT_SIZE_LIMIT);
  if (filled > limit || info.size > limit) return undefined;
  let bytes = new Uint8Array(Math.min(limit + 1, Math.max(info.size + 1, 2 * filled)));
  bytes.set(scratch.subarray(0, filled));
  for (;;) {
    filled = readUntilFullOrEnd(fd, bytes, filled, bytes.length);
    if (filled < bytes.length) return bytes.subarray(0, filled);
    // Still going: a file that grew while it was read.
    if (filled > limit) return undefined;
    const grown = new Uint8Array(Math.min(limit + 1, 2 * bytes.length));
    grown.set(bytes);
    bytes = grown;
  }
}

/** Reads into `into` from `from` until it is full or the file ends; returns where the bytes end. */
function readUntilFullOrEnd(fd: number, into: Uint8Array, from: number, to: number): number {
  let filled = from;
  while (filled < to) {
    const read = readSync(fd, into, filled, to - filled, null);
    if (read === 0) break;
    filled += read;
  }
  return filled;
}

export async function readTextInput(path: string, role: string): Promise<string> {
  const bytes = await readInput(path, role, 16 * 1024 * 1024);
  // A view, not a copy: a known list of a hundred thousand statements is megabytes.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function asInputError(error: unknown, path: string, role: string): Error {
  if (error instanceof StepError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new StepError('STEP_INPUT_NOT_FOUND', `${role} not found: ${path}`);
  if (code === 'EACCES' || code === 'EPERM') return new StepError('STEP_INPUT_UNREADABLE', `${role} ${path} cannot be read: permission denied`);
  if (code === 'EISDIR') return new StepError('STEP_INPUT_UNREADABLE', `${role} ${path} is a directory`);
  return new StepError('STEP_INPUT_UNREADABLE', `${role} ${path} cannot be read${code ? ` (${code})` : ''}`);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

export interface WriteOptions {
  /** File mode for new files; private keys use 0o600. */
  mode?: number;
  /** Refuse to replace an existing file (used for keys, which must never be silently overwritten). */
  exclusive?: boolean;
}

/**
 * Writes a file atomically so a reader never sees half of it: the bytes go to a temporary file of
 * this write's own (pid and random suffix, created exclusively, so concurrent writers in one process
 * or many never share one), are fsync'd, and the temporary file is renamed over the path, or, for an
 * exclusive write, hard-linked to it (which fails when the path exists, with no window in between).
 * The temporary file is removed whatever happens.
 */
export async function writeOutput(path: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
  let temporary: string | undefined;
  try {
    temporary = await writeTemporary(path, data, options.mode ?? 0o644);
    if (options.exclusive) {
      await linkExclusive(temporary, path, data, options.mode ?? 0o644);
    } else {
      await rename(temporary, path);
      temporary = undefined; // renamed: nothing left to remove
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new StepError('STEP_OUTPUT_EXISTS', `${path} already exists`);
    throw new StepError('STEP_OUTPUT_FAILED', `cannot write ${path}${code ? ` (${code})` : ''}`);
  } finally {
    // After a link or a failure the temporary file is still there.
    if (temporary) await rm(temporary, { force: true }).catch(() => undefined);
  }
}

async function writeTemporary(path: string, data: Uint8Array | string, mode: number): Promise<string> {
  const temporary = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  let handle;
  try {
    handle = await open(temporary, 'wx', mode);
  } catch (error) {
    // The directory is made only when it is missing: a release writes thousands of files into a few.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    handle = await open(temporary, 'wx', mode);
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  return temporary;
}

/** Hard links are not on every file system; where they are not, an exclusive create is the next best (not atomic). */
async function linkExclusive(temporary: string, path: string, data: Uint8Array | string, mode: number): Promise<void> {
  try {
    await link(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    await writeFile(path, data, { mode, flag: 'wx' });
  }
}
