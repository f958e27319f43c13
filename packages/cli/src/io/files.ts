import { constants, readFileSync, statSync } from 'node:fs';
import { access, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from '../errors.js';

/** Reads a whole input file, turning file-system failures into one-line CliErrors that name the file and its role. */
export async function readInput(path: string, role: string, maxBytes = 64 * 1024 * 1024): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new CliError('INPUT_UNREADABLE', `${role} ${path} is a directory`);
    if (info.size > maxBytes) throw new CliError('INPUT_UNREADABLE', `${role} ${path} is larger than ${maxBytes} bytes`);
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
  try {
    const info = statSync(path);
    if (info.isDirectory()) throw new CliError('INPUT_UNREADABLE', `${role} ${path} is a directory`);
    if (info.size > maxBytes) throw new CliError('INPUT_UNREADABLE', `${role} ${path} is larger than ${maxBytes} bytes`);
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw asInputError(error, path, role);
  }
}

export async function readTextInput(path: string, role: string): Promise<string> {
  return Buffer.from(await readInput(path, role, 16 * 1024 * 1024)).toString('utf8');
}

export function asInputError(error: unknown, path: string, role: string): Error {
  if (error instanceof CliError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new CliError('INPUT_NOT_FOUND', `${role} not found: ${path}`);
  if (code === 'EACCES' || code === 'EPERM') return new CliError('INPUT_UNREADABLE', `${role} ${path} cannot be read: permission denied`);
  if (code === 'EISDIR') return new CliError('INPUT_UNREADABLE', `${role} ${path} is a directory`);
  return new CliError('INPUT_UNREADABLE', `${role} ${path} cannot be read${code ? ` (${code})` : ''}`);
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

/** Writes a file atomically (temporary file, fsync, rename) so a reader never sees half of it. */
export async function writeOutput(path: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    if (options.exclusive) {
      await writeFile(path, data, { mode: options.mode ?? 0o644, flag: 'wx' });
      return;
    }
    const temporary = `${path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError('OUTPUT_FAILED', `${path} already exists (pass --force to replace it)`);
    throw new CliError('OUTPUT_FAILED', `cannot write ${path}${code ? ` (${code})` : ''}`);
  }
}
