import { readFileSync } from 'node:fs';
import { open, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errnoCode, LedgerError, reason } from './errors.js';
import { LOCK_FILE, TAKEOVER_FILE } from './layout.js';

/**
 * Single writer. Node has no flock, so the lock is a file created with O_EXCL that names its holder
 * (pid, host, boot id and the holder's start time from /proc where there is one). A lock whose holder
 * is provably gone (same host and: no such pid, another boot, or a pid reused by a younger process)
 * is taken over, so a kill -9 or a power cut never needs a person. Breaking a stale lock is itself
 * serialised by a second O_EXCL file, so two processes finding the same stale lock cannot both win.
 * A lock from another host is never broken: we cannot tell whether its holder lives.
 */
interface Holder {
  pid: number;
  host: string;
  boot?: string;
  start?: string;
}

/** Directories this process holds: a same-pid lock not in here is a previous incarnation's. */
const heldHere = new Set<string>();

const UNWRITTEN_GRACE_MS = 2_000;
const TAKEOVER_GRACE_MS = 10_000;
const ATTEMPTS = 4;

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Start time in clock ticks since boot: field 22 of /proc/<pid>/stat, counted after the ")" of the name. */
function startTicks(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function self(): Holder {
  const boot = readProc('/proc/sys/kernel/random/boot_id')?.trim();
  const start = startTicks(process.pid);
  return { pid: process.pid, host: hostname(), ...(boot ? { boot } : {}), ...(start ? { start } : {}) };
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0 && typeof value.host === 'string') return value as Holder;
  } catch {
    // unparseable: handled by the caller
  }
  return undefined;
}

/** Whether another process's lock may still be in use; only provably dead holders are not. */
function isAlive(holder: Holder): boolean {
  const me = self();
  if (holder.host !== me.host) return true;
  if (holder.boot && me.boot && holder.boot !== me.boot) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return errnoCode(error) === 'EPERM'; // exists, owned by someone else
  }
  const start = startTicks(holder.pid);
  return !(holder.start && start && holder.start !== start);
}

async function createExclusive(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  return true;
}

async function readIfExists(path: string): Promise<{ text: string; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

/** Replaces the stale lock whose text was `staleText`, unless someone else changed it first. */
async function takeOver(dir: string, staleText: string, mine: string): Promise<boolean> {
  const takeover = join(dir, TAKEOVER_FILE);
  if (!(await createExclusive(takeover, mine))) {
    const other = await readIfExists(takeover);
    const holder = other && parseHolder(other.text);
    // A takeover takes microseconds: one still present after the grace period, or whose maker is dead, was abandoned.
    if (other && other.ageMs > TAKEOVER_GRACE_MS && !(holder && holder.pid !== process.pid && isAlive(holder))) await unlinkIfExists(takeover);
    return false;
  }
  try {
    const current = await readIfExists(join(dir, LOCK_FILE));
    if (current !== undefined && current.text !== staleText) return false;
    await unlinkIfExists(join(dir, LOCK_FILE));
    return await createExclusive(join(dir, LOCK_FILE), mine);
  } finally {
    await unlinkIfExists(takeover);
  }
}

export interface DirectoryLock {
  release(): Promise<void>;
}

export async function acquireLock(dir: string): Promise<DirectoryLock> {
  const key = await realpath(dir);
  if (heldHere.has(key)) throw new LedgerError('LEDGER_LOCKED', `ledger ${dir} is already open in this process (pid ${process.pid}); close it first`);
  heldHere.add(key); // reserved now, so a concurrent open in this process cannot mistake our lock for a stale one
  try {
    return await acquire(dir, key);
  } catch (error) {
    heldHere.delete(key);
    if (error instanceof LedgerError) throw error;
    throw new LedgerError('LEDGER_WRITE_FAILED', `cannot lock ledger ${dir}: ${reason(error)}`, { cause: error });
  }
}

async function acquire(dir: string, key: string): Promise<DirectoryLock> {
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify(self());
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createExclusive(path, mine)) return held(key, path, mine);
    const current = await readIfExists(path);
    if (current === undefined) continue; // released in between: try again
    const holder = parseHolder(current.text);
    if (holder === undefined && current.ageMs < UNWRITTEN_GRACE_MS) {
      throw new LedgerError('LEDGER_LOCKED', `ledger ${dir} is being opened by another process (${LOCK_FILE} not written yet)`);
    }
    if (holder !== undefined && holder.pid === process.pid && holder.host === hostname()) {
      // Our pid, but not a lock this process holds: a previous process that had the same pid (a restarted container).
    } else if (holder !== undefined && isAlive(holder)) {
      throw new LedgerError('LEDGER_LOCKED', `ledger ${dir} is open in pid ${holder.pid} on ${holder.host}; close it first`);
    }
    if (await takeOver(dir, current.text, mine)) return held(key, path, mine);
  }
  throw new LedgerError('LEDGER_LOCKED', `ledger ${dir}: another process keeps taking its lock`);
}

function held(key: string, path: string, mine: string): DirectoryLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        // Remove the file only if it is still ours: never delete a lock someone took over.
        const current = await readIfExists(path);
        if (current?.text === mine) await unlinkIfExists(path);
      } finally {
        heldHere.delete(key);
      }
    },
  };
}
