import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
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

/**
 * Reads a whole file of at most `maxBytes` on this thread, or returns undefined when it is larger (for
 * callers that stream large files instead). One open, one fstat, one read: a batch of small files
 * spends more in system calls than in hashing, and a path lookup (stat, then open) is the dearest.
 */
export function readSmallInputSync(path: string, role: string, maxBytes: number): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const info = fstatSync(fd);
    if (info.isDirectory()) throw new StepError('STEP_INPUT_UNREADABLE', `${role} ${path} is a directory`);
    if (info.size > maxBytes) return undefined;
    // Pipes and files such as /proc's report no size: read those to their end (once: a pipe cannot be read again).
    if (!info.isFile() || info.size === 0) return new Uint8Array(readFileSync(fd));
    const bytes = new Uint8Array(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, null);
      if (read === 0) break;
      filled += read;
    }
    return filled === bytes.length ? bytes : bytes.subarray(0, filled);
  } catch (error) {
    throw asInputError(error, path, role);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
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
    await mkdir(dirname(path), { recursive: true });
    temporary = await writeTemporary(path, data, options.mode ?? 0o644);
    if (options.exclusive) await linkExclusive(temporary, path, data, options.mode ?? 0o644);
    else await rename(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new StepError('STEP_OUTPUT_EXISTS', `${path} already exists`);
    throw new StepError('STEP_OUTPUT_FAILED', `cannot write ${path}${code ? ` (${code})` : ''}`);
  } finally {
    // After a rename there is nothing left to remove; after a link or a failure there is.
    if (temporary) await rm(temporary, { force: true }).catch(() => undefined);
  }
}

async function writeTemporary(path: string, data: Uint8Array | string, mode: number): Promise<string> {
  const temporary = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', mode);
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
