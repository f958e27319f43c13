import { CountersignError } from '@countersign/core';

export type LedgerErrorCode =
  | 'LEDGER_LOCKED' // another store (this process or another) has the directory open
  | 'LEDGER_NOT_A_LEDGER' // the directory holds files that are not a ledger's, or another format version
  | 'LEDGER_CORRUPT' // a ledger file is shorter than the committed tree implies, or fails its checksum
  | 'LEDGER_TOO_LARGE' // a statement over the configured maximum
  | 'LEDGER_INVALID' // an argument of the wrong shape: entry not 32 bytes, empty statement, bad option
  | 'LEDGER_UNKNOWN_ENTRY' // an index, subtree or tree size the ledger does not hold
  | 'LEDGER_WRITE_FAILED' // a write, fsync or rollback failed: the batch was not acknowledged
  | 'LEDGER_SEAL_FAILED' // the seal hook threw or returned no usable bytes: the batch was not acknowledged
  | 'LEDGER_READ_FAILED' // the operating system refused a read
  | 'LEDGER_CLOSED'; // the store was closed

/** Everything the ledger's storage refuses or fails at; the message names the file or value. */
export class LedgerError extends CountersignError<LedgerErrorCode> {
  readonly area = 'ledger';
}

/** Node's fs errors carry a `code` such as ENOENT; anything else has none. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The OS's reason in a few words, for the one-line messages above. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
