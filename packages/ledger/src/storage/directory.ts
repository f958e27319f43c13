import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, LedgerError } from './errors.js';
import { DSYNC, syncDirectory } from './io.js';
import { checkFormat, FORMAT_FILE, FORMAT_TEMP_FILE, FORMAT_TEXT, HEADS_FILE, isInitLeftover, isLedgerFileName } from './layout.js';

export type DirectoryState = 'ledger' | 'empty';

/**
 * What is in `dir`, without writing anything: a ledger, nothing yet (absent, empty, or what a crash
 * during initialisation leaves), or something else, which is refused and left exactly as it is.
 */
export async function inspectDirectory(dir: string): Promise<DirectoryState | 'absent'> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new LedgerError('LEDGER_NOT_A_LEDGER', `${dir} is not a directory`);
    names = await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'absent';
    throw error;
  }
  const foreign = names.filter((name) => !isLedgerFileName(name));
  if (foreign.length > 0) {
    throw new LedgerError('LEDGER_NOT_A_LEDGER', `${dir} is not a ledger: it holds ${foreign.slice(0, 3).map((name) => `"${name}"`).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}`);
  }
  if (names.includes(FORMAT_FILE)) {
    const format = checkFormat(await readFile(join(dir, FORMAT_FILE), 'latin1'));
    if (!format.ok) throw new LedgerError('LEDGER_NOT_A_LEDGER', `${dir} is not a ledger this version can open: ${format.why}`);
    return 'ledger';
  }
  if (names.every(isInitLeftover)) return 'empty';
  throw new LedgerError('LEDGER_NOT_A_LEDGER', `${dir} holds ledger files but no ${FORMAT_FILE}; refusing to guess`);
}

export async function ensureDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/** FORMAT appears whole or not at all (temp file, fsync, rename, fsync of the directory). */
export async function writeFormat(dir: string): Promise<void> {
  const temp = join(dir, FORMAT_TEMP_FILE);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(FORMAT_TEXT, 'latin1');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, FORMAT_FILE));
  await syncDirectory(dir);
}

/**
 * heads.log decides what every other file is cut to, so a missing one is created only when no
 * other file has a byte in it: otherwise its loss would silently empty the ledger.
 */
export async function openHeads(dir: string): Promise<FileHandle> {
  try {
    return await open(join(dir, HEADS_FILE), constants.O_RDWR | DSYNC);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  for (const name of await readdir(dir)) {
    if (isInitLeftover(name) || name === FORMAT_FILE) continue;
    if ((await stat(join(dir, name))).size > 0) throw new LedgerError('LEDGER_CORRUPT', `${join(dir, HEADS_FILE)} is missing but ${name} holds data`);
  }
  const handle = await open(join(dir, HEADS_FILE), constants.O_RDWR | constants.O_CREAT | DSYNC);
  await syncDirectory(dir);
  return handle;
}
