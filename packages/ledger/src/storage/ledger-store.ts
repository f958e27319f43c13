import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { HASH_SIZE, type SubtreeHashes } from '@countersign/core';
import { DataFiles, type BatchItem, type WrittenBatch } from './data-files.js';
import { ensureDirectory, inspectDirectory, openHeads, writeFormat } from './directory.js';
import { EntryIndex } from './entry-index.js';
import { LedgerError, reason, type LedgerErrorCode } from './errors.js';
import { GroupCommit, type CommitStages } from './group-commit.js';
import { HeadsLog, MAX_SEAL_BYTES } from './heads-log.js';
import { syncDirectory } from './io.js';
import { acquireLock, type DirectoryLock } from './lock.js';
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, resolveOptions, type LedgerOptions, type ResolvedOptions } from './options.js';

/** What an acknowledged registration gets: its leaf index and the seal of the batch that committed it. */
export interface AppendResult {
  index: number;
  /** Tree size of that batch: the size `seal` signs, so a receipt proves inclusion against it. */
  treeSize: number;
  seal: Uint8Array;
}

interface Registration extends BatchItem {
  key: string;
  promise: Promise<AppendResult>;
  resolve: (result: AppendResult) => void;
  reject: (error: LedgerError) => void;
}

/**
 * The embedded ledger's storage: an append-only log of statements with the Merkle tree's subtree
 * hashes, written in group-committed batches and acknowledged only once data and seal are durable.
 * One writer per directory; see README.md beside this file for the format and the recovery rules.
 */
export class LedgerStore implements SubtreeHashes {
  private readonly pending = new Map<string, Registration>(); // queued or being committed, by entry
  private readonly queue: GroupCommit<Registration>;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private failure: LedgerError | undefined;
  private closed: Promise<void> | undefined;

  private constructor(
    readonly directory: string,
    private readonly options: ResolvedOptions,
    private readonly lock: DirectoryLock,
    private readonly headsFile: FileHandle,
    private readonly heads: HeadsLog,
    private readonly files: DataFiles,
    private readonly entries: EntryIndex,
  ) {
    this.queue = new GroupCommit((batch, previous) => this.commitBatch(batch, previous), {
      maxEntries: options.maxBatchEntries,
      maxDelayMs: options.maxBatchDelayMs,
      minIntervalMs: options.sealIntervalMs,
      maxBytes: MAX_BATCH_BYTES,
      bytesOf: (registration) => registration.statement.byteLength,
    });
  }

  /** Opens (recovering after a crash) or initialises the ledger in `dir`, and locks it. */
  static async open(dir: string, options: LedgerOptions): Promise<LedgerStore> {
    const resolved = resolveOptions(options);
    const path = resolve(dir);
    try {
      if ((await inspectDirectory(path)) === 'absent') {
        await ensureDirectory(path);
        await syncDirectory(dirname(path));
      }
    } catch (error) {
      throw asLedgerError(error, 'LEDGER_READ_FAILED', `cannot open ledger ${path}`);
    }
    const lock = await acquireLock(path);
    let headsFile: FileHandle | undefined;
    let files: DataFiles | undefined;
    try {
      // Again under the lock: another process may have initialised it meanwhile.
      if ((await inspectDirectory(path)) !== 'ledger') await writeFormat(path);
      headsFile = await openHeads(path);
      const { log, tornBytes } = await HeadsLog.recover(headsFile, path);
      if (tornBytes > 0) await log.cutToCommitted();
      // Two batches can be written ahead of the last durable head (see GroupCommit).
      files = await DataFiles.open(path, log.treeSize, 2 * MAX_BATCH_ENTRIES);
      const entries = new EntryIndex(log.treeSize);
      await files.readEntries((chunk) => {
        for (let offset = 0; offset < chunk.byteLength; offset += HASH_SIZE) entries.push(chunk.subarray(offset, offset + HASH_SIZE));
      });
      return new LedgerStore(path, resolved, lock, headsFile, log, files, entries);
    } catch (error) {
      await files?.close();
      await headsFile?.close();
      await lock.release();
      throw asLedgerError(error, 'LEDGER_READ_FAILED', `cannot open ledger ${path}`);
    }
  }

  /** Committed tree size: every leaf below it is durable and sealed. */
  get size(): number {
    return this.files.treeSize;
  }

  /**
   * Registers a statement under its entry (SHA-256 of the statement with an empty unprotected
   * header, computed by the caller). Resolves once its batch's data and seal are durable; an entry
   * already committed or already waiting resolves to that registration instead.
   */
  async append(statement: Uint8Array, entry: Uint8Array): Promise<AppendResult> {
    this.assertWritable();
    if (!(entry instanceof Uint8Array) || entry.byteLength !== HASH_SIZE) throw new LedgerError('LEDGER_INVALID', `an entry is ${HASH_SIZE} bytes`);
    if (!(statement instanceof Uint8Array) || statement.byteLength === 0) throw new LedgerError('LEDGER_INVALID', 'a statement is a non-empty byte string');
    if (statement.byteLength > this.options.maxStatementBytes) {
      throw new LedgerError('LEDGER_TOO_LARGE', `statement of ${statement.byteLength} bytes is over the ${this.options.maxStatementBytes}-byte limit`);
    }
    const committed = this.entries.indexOf(entry);
    if (committed !== undefined) return this.committedResult(committed);
    const key = Buffer.from(entry.buffer, entry.byteOffset, HASH_SIZE).toString('latin1');
    const waiting = this.pending.get(key);
    if (waiting) return waiting.promise;
    let settle: Pick<Registration, 'resolve' | 'reject'> | undefined;
    const promise = new Promise<AppendResult>((resolve, reject) => (settle = { resolve, reject }));
    // Copies: the caller may reuse its buffers as soon as append returns.
    const registration: Registration = { statement: new Uint8Array(statement), entry: new Uint8Array(entry), key, promise, ...settle! };
    this.pending.set(key, registration);
    this.queue.enqueue(registration);
    return promise;
  }

  async statement(index: number): Promise<Uint8Array> {
    this.assertLeaf(index);
    return this.files.readStatement(index);
  }

  entry(index: number): Uint8Array {
    this.assertLeaf(index);
    return new Uint8Array(this.entries.entryAt(index));
  }

  /** Index of a committed entry; entries still waiting for their batch are not found. */
  indexOf(entry: Uint8Array): number | undefined {
    this.assertReadable();
    return this.entries.indexOf(entry);
  }

  /** SubtreeHashes over the committed tree, and during `seal` over the batch being sealed. */
  subtreeHash(level: number, index: number): Uint8Array {
    this.assertReadable();
    return this.files.subtreeHash(level, index);
  }

  /** The seal stored for a batch that ended at `treeSize`, or undefined when none did. */
  async sealFor(treeSize: number): Promise<Uint8Array | undefined> {
    this.assertReadable();
    try {
      return await this.heads.sealFor(treeSize);
    } catch (error) {
      throw asLedgerError(error, 'LEDGER_READ_FAILED', `cannot read the seal of tree size ${treeSize}`);
    }
  }

  /** Tree sizes of every committed batch, ascending, from memory (no reads). */
  sealedSizes(): number[] {
    this.assertReadable();
    return this.heads.sizes();
  }

  /** Every seal ever acknowledged, oldest first, read one at a time. */
  async *seals(): AsyncGenerator<{ treeSize: number; seal: Uint8Array }> {
    for (const treeSize of this.sealedSizes()) yield { treeSize, seal: (await this.sealFor(treeSize)) as Uint8Array };
  }

  /** Commits what is queued, then releases the files and the lock. Later calls: LEDGER_CLOSED. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.state = 'closing';
      try {
        await this.queue.drain();
      } finally {
        this.state = 'closed';
        await this.files.close();
        await this.headsFile.close();
        await this.lock.release();
      }
    })();
    return this.closed;
  }

  /**
   * Stage one writes and fsyncs the batch's data after everything written before it (the previous
   * batch may still be finishing); stage two, in batch order, seals, logs the head and fsyncs it:
   * only then is any append of the batch resolved.
   */
  private commitBatch(batch: Registration[], previous: Promise<void>): CommitStages {
    const writing: Promise<WrittenBatch | LedgerError> = this.failure
      ? Promise.resolve(this.failure)
      : this.files.write(batch).catch((error: unknown) => new LedgerError('LEDGER_WRITE_FAILED', `ledger ${this.directory}: writing a batch failed: ${reason(error)}`, { cause: error }));
    const finished = (async () => {
      const written = await writing;
      await previous;
      await this.finishBatch(batch, written);
    })();
    return { written: writing.then((written) => (written instanceof LedgerError ? finished : undefined)), finished };
  }

  private async finishBatch(batch: Registration[], written: WrittenBatch | LedgerError): Promise<void> {
    if (this.failure) return this.reject(batch, this.failure);
    if (written instanceof LedgerError) return this.abandon(batch, written);
    // The batch before this one failed after this one was written, and its undo cut this one too.
    if (!this.files.holds(written)) return this.reject(batch, new LedgerError('LEDGER_WRITE_FAILED', `ledger ${this.directory}: the batch before this one failed, and its data was undone with it`));
    let seal: Uint8Array;
    try {
      seal = await this.options.seal(written.treeSize);
      if (!(seal instanceof Uint8Array) || seal.byteLength === 0 || seal.byteLength > MAX_SEAL_BYTES) throw new Error(`seal must return 1 to ${MAX_SEAL_BYTES} bytes`);
    } catch (error) {
      return this.abandon(batch, new LedgerError('LEDGER_SEAL_FAILED', `ledger ${this.directory}: sealing tree size ${written.treeSize} failed: ${reason(error)}`, { cause: error }));
    }
    try {
      await this.heads.append(written.treeSize, seal);
    } catch (error) {
      return this.abandon(batch, new LedgerError('LEDGER_WRITE_FAILED', `ledger ${this.directory}: writing the head failed: ${reason(error)}`, { cause: error }));
    }
    this.files.commit(written);
    const first = written.treeSize - batch.length;
    batch.forEach((registration, i) => {
      this.entries.push(registration.entry);
      this.pending.delete(registration.key);
      registration.resolve({ index: first + i, treeSize: written.treeSize, seal: new Uint8Array(seal) });
    });
  }

  /**
   * Undoes a batch on disk, and the next batch's data if that is written already (it is failed
   * with this one); if even that fails, the store refuses all writes until reopened (recovery).
   */
  private async abandon(batch: Registration[], error: LedgerError): Promise<void> {
    try {
      await this.files.rollback();
      await this.heads.cutToCommitted();
    } catch (undoError) {
      this.failure = new LedgerError('LEDGER_WRITE_FAILED', `ledger ${this.directory} could not undo a failed batch (${reason(undoError)}); reopen it to recover`, {
        cause: undoError,
      });
      this.reject(this.queue.takeAll(), this.failure);
    }
    this.reject(batch, error);
  }

  private reject(batch: Registration[], error: LedgerError): void {
    for (const registration of batch) {
      this.pending.delete(registration.key);
      registration.reject(error);
    }
  }

  private async committedResult(index: number): Promise<AppendResult> {
    const treeSize = this.heads.headCovering(index) as number;
    return { index, treeSize, seal: (await this.sealFor(treeSize)) as Uint8Array };
  }

  private assertWritable(): void {
    if (this.state !== 'open') throw new LedgerError('LEDGER_CLOSED', `ledger ${this.directory} is closed`);
    if (this.failure) throw this.failure;
  }

  /** Reads stay possible while closing: the last batches' seal hooks read subtree hashes. */
  private assertReadable(): void {
    if (this.state === 'closed') throw new LedgerError('LEDGER_CLOSED', `ledger ${this.directory} is closed`);
  }

  private assertLeaf(index: number): void {
    this.assertReadable();
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new LedgerError('LEDGER_UNKNOWN_ENTRY', `no entry ${index} in a ledger of ${this.size}`);
  }
}

function asLedgerError(error: unknown, code: LedgerErrorCode, context: string): LedgerError {
  return error instanceof LedgerError ? error : new LedgerError(code, `${context}: ${reason(error)}`, { cause: error });
}
