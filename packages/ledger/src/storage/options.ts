import { LedgerError } from './errors.js';

export interface LedgerOptions {
  /**
   * Signs the tree head of a batch: called once per batch, after the batch's data is durable and
   * before anything of it is acknowledged, with the tree size to sign. While it runs,
   * `subtreeHash` serves the subtrees of that size. Returns opaque bytes (at most 64 KiB) stored
   * with the size and handed to every append of the batch.
   */
  seal: (treeSize: number) => Promise<Uint8Array>;
  /** Most registrations per batch (one fsync round and one seal each). Default 1024, at most 65536. */
  maxBatchEntries?: number;
  /** Longest an idle store waits for more registrations before committing. Default 2 ms. */
  maxBatchDelayMs?: number;
  /**
   * Shortest time between two batches, so at most one seal (signed tree head) per interval, as a
   * CCF service signs once per signature interval: fewer signatures for verifiers to check, each
   * registration waiting up to this long. A full batch (maxBatchEntries) starts at once. Default 0.
   */
  sealIntervalMs?: number;
  /** Largest statement accepted. Default 1 MiB (what Microsoft's service accepts). */
  maxStatementBytes?: number;
}

export interface ResolvedOptions {
  seal: (treeSize: number) => Promise<Uint8Array>;
  maxBatchEntries: number;
  maxBatchDelayMs: number;
  sealIntervalMs: number;
  maxStatementBytes: number;
}

/** Also the most entries recovery will cut from a tail: no batch can ever be longer. */
export const MAX_BATCH_ENTRIES = 65_536;
/** A batch also stops growing at this many statement bytes (but always holds one statement). */
export const MAX_BATCH_BYTES = 64 << 20;
const MAX_STATEMENT_BYTES = 256 << 20;
/** A registration waits up to one interval: longer would outlast the clients' own timeouts. */
export const MAX_SEAL_INTERVAL_MS = 10_000;

function bounded(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new LedgerError('LEDGER_INVALID', `${name} must be an integer from ${min} to ${max}, not ${String(value)}`);
  return value;
}

export function resolveOptions(options: LedgerOptions): ResolvedOptions {
  if (typeof options?.seal !== 'function') throw new LedgerError('LEDGER_INVALID', 'options.seal must be a function');
  return {
    seal: options.seal,
    maxBatchEntries: bounded('maxBatchEntries', options.maxBatchEntries, 1024, 1, MAX_BATCH_ENTRIES),
    maxBatchDelayMs: bounded('maxBatchDelayMs', options.maxBatchDelayMs, 2, 0, 10_000),
    sealIntervalMs: bounded('sealIntervalMs', options.sealIntervalMs, 0, 0, MAX_SEAL_INTERVAL_MS),
    maxStatementBytes: bounded('maxStatementBytes', options.maxStatementBytes, 1 << 20, 1, MAX_STATEMENT_BYTES),
  };
}
