import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { HASH_SIZE, leafHash } from '@countersign/core';
import { errnoCode, LedgerError, reason } from './errors.js';
import { checksum32, DSYNC, readFully, readFullySync, syncDirectory, writeDurably, writeFully } from './io.js';
import {
  ENTRIES_FILE,
  entriesBytes,
  INDEX_FILE,
  INDEX_RECORD_SIZE,
  indexBytes,
  levelBytes,
  levelCount,
  levelFile,
  levelLength,
  levelsDurableThrough,
  MAX_LEVELS,
  STATEMENTS_FILE,
} from './layout.js';
import { appendLeaves, type Frontier } from './tree-append.js';

export interface BatchItem {
  statement: Uint8Array;
  entry: Uint8Array;
}

/** A batch written and fsynced but not yet committed: what commit() adopts and rollback() undoes. */
export interface WrittenBatch {
  treeSize: number;
  statementsEnd: number;
  frontier: Frontier;
  /** rollback() count when it was written: a later rollback cut it. */
  epoch: number;
}

const READ_CHUNK = 4 << 20;
const OPEN_OR_CREATE = constants.O_RDWR | constants.O_CREAT; // never O_APPEND: it would ignore positions

/**
 * Everything of the ledger but its heads: statements, their index records, entries and the
 * subtree hashes of every level, each file cut at exactly what the committed tree size implies.
 */
/** Upper-level subtree hashes kept in memory (a few MB at most); the leaf levels are too many to keep. */
const CACHED_FROM_LEVEL = 3;
const HASH_CACHE_ENTRIES = 1 << 16;

export class DataFiles {
  /** Leaves whose hashes may be read: the committed size and the batches written after it. */
  private visibleSize: number;
  private readonly hashCache = new Map<number, Uint8Array>();
  /**
   * Level hashes waiting in memory to be written, per level: those after the first
   * `flushedLengths[level]`, which are in the file. A batch that makes the level files durable
   * writes them all at once; the others write none, since no acknowledgement waits on them
   * (recovery recomputes them from entries.dat), and a write each would cost a system call per
   * level per batch. At most a LEVEL_SYNC_INTERVAL of leaves' worth, plus a batch or two. The
   * receipts of a batch, cut right after it commits, read mostly these.
   */
  private readonly pendingHashes: Uint8Array[][] = [];
  private readonly flushedLengths: number[];
  /** The end of what is written, committed or not: where the next batch goes. */
  private written: Omit<WrittenBatch, 'epoch'>;
  private epoch = 0;
  /** Writes and rollbacks run one at a time, in call order: never a cut under a write in flight. */
  private exclusive: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly statements: FileHandle,
    private readonly index: FileHandle,
    private readonly entries: FileHandle,
    private readonly levels: Array<FileHandle | undefined>,
    private committedSize: number,
    private statementsEnd: number,
    private frontier: Frontier,
  ) {
    this.visibleSize = committedSize;
    this.written = { treeSize: committedSize, statementsEnd, frontier };
    this.flushedLengths = Array.from({ length: MAX_LEVELS }, (_, level) => levelLength(committedSize, level));
  }

  /**
   * Opens the files of a ledger whose heads say `treeSize`. A file shorter than that implies is
   * corruption and refuses the open; anything longer is the tail of a batch that never committed,
   * cut here, unless it is longer than the unacknowledged tail can be (`maxTailEntries`): a lost or stale heads.log
   * must not empty the ledger.
   */
  static async open(dir: string, treeSize: number, maxTailEntries: number): Promise<DataFiles> {
    const opened: FileHandle[] = [];
    const openFile = async (name: string, required: boolean, flags = 0): Promise<FileHandle | undefined> => {
      const path = join(dir, name);
      try {
        const handle = await open(path, (required ? OPEN_OR_CREATE : constants.O_RDWR) | flags);
        opened.push(handle);
        return handle;
      } catch (error) {
        if (errnoCode(error) === 'ENOENT' && !required) return undefined;
        throw error;
      }
    };
    const cut = async (handle: FileHandle, name: string, expected: number, maxTail = Infinity): Promise<void> => {
      const size = (await handle.stat()).size;
      if (size < expected) throw new LedgerError('LEDGER_CORRUPT', `${join(dir, name)} holds ${size} bytes, the committed tree of ${treeSize} needs ${expected}`);
      if (size - expected > maxTail) {
        throw new LedgerError('LEDGER_CORRUPT', `${join(dir, name)} holds ${size} bytes, more than two batches past the ${expected} the committed tree of ${treeSize} needs; refusing to cut`);
      }
      if (size > expected) {
        await handle.truncate(expected);
        await handle.datasync();
      }
    };
    try {
      // A missing file is only acceptable when the committed tree needs none of its bytes.
      const existing = async (name: string, expected: number, flags = 0): Promise<FileHandle> => {
        const handle = await openFile(name, expected === 0, flags);
        if (handle === undefined) throw new LedgerError('LEDGER_CORRUPT', `${join(dir, name)} is missing but the committed tree of ${treeSize} needs it`);
        return handle;
      };
      const index = await existing(INDEX_FILE, indexBytes(treeSize), DSYNC);
      await cut(index, INDEX_FILE, indexBytes(treeSize), indexBytes(maxTailEntries));
      const statementsEnd = treeSize === 0 ? 0 : recordEnd(await readFully(index, INDEX_RECORD_SIZE, indexBytes(treeSize - 1)));
      const statements = await existing(STATEMENTS_FILE, statementsEnd, DSYNC);
      await cut(statements, STATEMENTS_FILE, statementsEnd);
      const entries = await existing(ENTRIES_FILE, entriesBytes(treeSize), DSYNC);
      await cut(entries, ENTRIES_FILE, entriesBytes(treeSize), entriesBytes(maxTailEntries));
      // Level hashes are durable only through the last LEVEL_SYNC_INTERVAL multiple (see layout.ts):
      // shorter than that is corruption; past it they are recomputed from entries.dat, whatever the
      // files hold there (a power loss may have taken or zeroed any of it).
      const durableSize = levelsDurableThrough(treeSize);
      const levels: Array<FileHandle | undefined> = [];
      for (let level = 0; level < MAX_LEVELS; level++) {
        const expected = levelBytes(treeSize, level);
        const handle = expected > 0 ? await existing(levelFile(level), expected) : await openFile(levelFile(level), false);
        const durable = levelBytes(durableSize, level);
        if (handle && (await handle.stat()).size < durable) {
          throw new LedgerError('LEDGER_CORRUPT', `${join(dir, levelFile(level))} holds fewer than the ${durable} bytes that were made durable for the committed tree of ${treeSize}`);
        }
        levels.push(handle);
      }
      await syncDirectory(dir); // files opened above may have just been created
      const durableFrontier: Frontier = [];
      for (let level = 0; level < levelCount(durableSize); level++) {
        const length = levelLength(durableSize, level);
        if (length % 2 === 1) durableFrontier[level] = new Uint8Array(await readFully(levels[level] as FileHandle, HASH_SIZE, (length - 1) * HASH_SIZE));
      }
      const tail = treeSize > durableSize ? await readFully(entries, entriesBytes(treeSize - durableSize), entriesBytes(durableSize)) : Buffer.alloc(0);
      const leaves: Uint8Array[] = [];
      for (let offset = 0; offset < tail.byteLength; offset += HASH_SIZE) leaves.push(leafHash(tail.subarray(offset, offset + HASH_SIZE)));
      const rebuilt = appendLeaves(durableSize, durableFrontier, leaves);
      for (let level = 0; level < MAX_LEVELS; level++) {
        const handle = levels[level];
        if (handle === undefined) continue;
        const hashes = rebuilt.levels[level] ?? [];
        if (hashes.length > 0) await writeFully(handle, [Buffer.concat(hashes)], levelBytes(durableSize, level));
        const expected = levelBytes(treeSize, level);
        const longer = (await handle.stat()).size > expected;
        if (longer) await handle.truncate(expected);
        if (hashes.length > 0 || longer) await handle.datasync();
      }
      const frontier = rebuilt.frontier;
      return new DataFiles(dir, statements, index, entries, levels, treeSize, statementsEnd, frontier);
    } catch (error) {
      await Promise.allSettled(opened.map((handle) => handle.close()));
      if (error instanceof LedgerError) throw error;
      throw new LedgerError('LEDGER_READ_FAILED', `cannot open ledger files in ${dir}: ${reason(error)}`, { cause: error });
    }
  }

  get treeSize(): number {
    return this.committedSize;
  }

  /** Streams the entries file once, in order: the only full read an open does. */
  async readEntries(onChunk: (entries: Uint8Array) => void): Promise<void> {
    const total = entriesBytes(this.committedSize);
    for (let position = 0; position < total; position += READ_CHUNK) {
      onChunk(await readFully(this.entries, Math.min(READ_CHUNK, total - position), position));
    }
  }

  /**
   * Appends a batch after everything written so far (the batch before it may not be committed yet):
   * statements, index records and entries durably (DSYNC writes, each durable as soon as its own
   * write returns), level hashes durably only when the batch reaches a LEVEL_SYNC_INTERVAL multiple
   * or creates a level file (then the directory is synced too). Nothing committed changes until
   * commit(); on failure call rollback().
   */
  write(items: readonly BatchItem[]): Promise<WrittenBatch> {
    return this.oneAtATime(() => this.writeNow(items));
  }

  private async writeNow(items: readonly BatchItem[]): Promise<WrittenBatch> {
    const start = this.written.treeSize;
    const statementsStart = this.written.statementsEnd;
    const indexRecords = Buffer.allocUnsafe(items.length * INDEX_RECORD_SIZE);
    const entries = Buffer.allocUnsafe(items.length * HASH_SIZE);
    const leaves: Uint8Array[] = [];
    let offset = statementsStart;
    items.forEach(({ statement, entry }, i) => {
      writeRecord(indexRecords, i * INDEX_RECORD_SIZE, offset, statement.byteLength, checksum32(statement));
      offset += statement.byteLength;
      entries.set(entry, i * HASH_SIZE);
      leaves.push(leafHash(entry));
    });
    const appended = appendLeaves(start, this.written.frontier, leaves);
    const end = start + items.length;
    const writes: Array<[FileHandle, Uint8Array[], number]> = [
      [this.statements, items.map((item) => item.statement), statementsStart],
      [this.index, [indexRecords], indexBytes(start)],
      [this.entries, [entries], entriesBytes(start)],
    ];
    let created = false;
    for (let level = 0; level < appended.levels.length; level++) {
      if (this.levels[level] === undefined) {
        this.levels[level] = await open(join(this.dir, levelFile(level)), OPEN_OR_CREATE);
        created = true;
      }
      const pending = (this.pendingHashes[level] ??= []);
      for (const hash of appended.levels[level] as Uint8Array[]) pending.push(hash);
    }
    // Only a batch that reaches a LEVEL_SYNC_INTERVAL multiple (it grows every level below that
    // multiple, so what it writes covers every hash earlier batches left waiting) or creates a level
    // file writes the level hashes, and fdatasyncs them: recovery recomputes the rest from entries.dat.
    const syncLevels = created || levelsDurableThrough(end) > start;
    try {
      await Promise.all([
        ...writes.map(([handle, chunks, position]) => writeDurably(handle, chunks, position)),
        ...(syncLevels ? this.levels.map((handle, level) => handle && this.flushLevel(handle, level)) : []),
      ]);
    } catch (error) {
      this.dropPendingAfter(start);
      throw error;
    }
    if (created) await syncDirectory(this.dir);
    this.written = { treeSize: end, statementsEnd: offset, frontier: appended.frontier };
    this.visibleSize = this.written.treeSize;
    return { ...this.written, epoch: this.epoch };
  }

  /** Writes the level's waiting hashes after those in its file, and fdatasyncs it. */
  private async flushLevel(handle: FileHandle, level: number): Promise<void> {
    const pending = this.pendingHashes[level] ?? [];
    if (pending.length > 0) {
      const flushed = this.flushedLengths[level] as number;
      await writeFully(handle, [Buffer.concat(pending)], flushed * HASH_SIZE);
      this.flushedLengths[level] = flushed + pending.length;
      pending.splice(0, pending.length);
    }
    await handle.datasync();
  }

  /** Forgets the waiting hashes of leaves past `treeSize` (a batch that failed, or a rollback). */
  private dropPendingAfter(treeSize: number): void {
    this.pendingHashes.forEach((pending, level) => {
      pending.length = Math.min(pending.length, Math.max(0, levelLength(treeSize, level) - (this.flushedLengths[level] as number)));
    });
  }

  /** Whether `batch` is still on disk: no rollback since it was written. */
  holds(batch: WrittenBatch): boolean {
    return batch.epoch === this.epoch;
  }

  commit(batch: WrittenBatch): void {
    this.committedSize = batch.treeSize;
    this.statementsEnd = batch.statementsEnd;
    this.frontier = batch.frontier;
  }

  /** Cuts every file back to the committed size, written batches not yet committed included, and makes the cut durable. */
  rollback(): Promise<void> {
    return this.oneAtATime(async () => {
      this.epoch++;
      const size = this.committedSize;
      this.visibleSize = size;
      this.written = { treeSize: size, statementsEnd: this.statementsEnd, frontier: this.frontier };
      const cuts: Array<[FileHandle, number]> = [
        [this.statements, this.statementsEnd],
        [this.index, indexBytes(size)],
        [this.entries, entriesBytes(size)],
      ];
      this.dropPendingAfter(size);
      this.levels.forEach((handle, level) => {
        // A level file never holds more than its flushed hashes; the waiting ones stay in memory.
        const kept = Math.min(this.flushedLengths[level] as number, levelLength(size, level));
        this.flushedLengths[level] = kept;
        if (handle) cuts.push([handle, kept * HASH_SIZE]);
      });
      await Promise.all(
        cuts.map(async ([handle, length]) => {
          await handle.truncate(length);
          await handle.datasync();
        }),
      );
    });
  }

  private oneAtATime<R>(task: () => Promise<R>): Promise<R> {
    const run = this.exclusive.then(task);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  /** One index read and one statement read; the checksum catches bytes that rotted on disk. */
  async readStatement(index: number): Promise<Uint8Array> {
    let record: Buffer;
    let bytes: Buffer;
    try {
      record = await readFully(this.index, INDEX_RECORD_SIZE, indexBytes(index));
      bytes = await readFully(this.statements, record.readUInt32BE(8), recordOffset(record));
    } catch (error) {
      throw new LedgerError('LEDGER_READ_FAILED', `cannot read statement ${index} in ${this.dir}: ${reason(error)}`, { cause: error });
    }
    if (checksum32(bytes) !== record.readUInt32BE(12)) {
      throw new LedgerError('LEDGER_CORRUPT', `statement ${index} in ${join(this.dir, STATEMENTS_FILE)} fails its checksum`);
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** SubtreeHashes: one positioned 32-byte read. */
  subtreeHash(level: number, index: number): Uint8Array {
    if (!Number.isInteger(level) || !Number.isInteger(index) || level < 0 || level >= MAX_LEVELS || index < 0 || (index + 1) * 2 ** level > this.visibleSize) {
      throw new LedgerError('LEDGER_UNKNOWN_ENTRY', `no subtree at level ${level} index ${index} in a tree of ${this.visibleSize}`);
    }
    // Hashes not yet in the level file wait in memory (a rollback drops those it cuts). Committed
    // subtrees never change, and every receipt of a batch reads the same upper nodes: those are kept.
    // Anything else a rollback could still cut is read afresh.
    const flushed = this.flushedLengths[level] as number;
    if (index >= flushed) {
      const waiting = this.pendingHashes[level]?.[index - flushed];
      if (waiting === undefined) throw new LedgerError('LEDGER_READ_FAILED', `subtree at level ${level} index ${index} is neither in ${levelFile(level)} nor waiting to be written`);
      return waiting;
    }
    const committed = (index + 1) * 2 ** level <= this.committedSize;
    const key = index * MAX_LEVELS + level;
    const cached = committed ? this.hashCache.get(key) : undefined;
    if (cached) return cached;
    const hash = new Uint8Array(HASH_SIZE);
    try {
      readFullySync((this.levels[level] as FileHandle).fd, hash, index * HASH_SIZE);
    } catch (error) {
      throw new LedgerError('LEDGER_READ_FAILED', `cannot read ${levelFile(level)} in ${this.dir}: ${reason(error)}`, { cause: error });
    }
    if (committed && level >= CACHED_FROM_LEVEL) {
      if (this.hashCache.size >= HASH_CACHE_ENTRIES) this.hashCache.clear();
      this.hashCache.set(key, hash);
    }
    return hash;
  }

  async close(): Promise<void> {
    const handles = [this.statements, this.index, this.entries, ...this.levels].filter((handle): handle is FileHandle => handle !== undefined);
    await Promise.allSettled(handles.map((handle) => handle.close()));
  }
}

function writeRecord(target: Buffer, at: number, offset: number, length: number, checksum: number): void {
  target.writeUInt32BE(Math.floor(offset / 2 ** 32), at);
  target.writeUInt32BE(offset >>> 0, at + 4);
  target.writeUInt32BE(length, at + 8);
  target.writeUInt32BE(checksum, at + 12);
}

function recordOffset(record: Buffer): number {
  return record.readUInt32BE(0) * 2 ** 32 + record.readUInt32BE(4);
}

function recordEnd(record: Buffer): number {
  return recordOffset(record) + record.readUInt32BE(8);
}
