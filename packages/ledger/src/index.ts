export { LedgerStore, type AppendResult } from './storage/ledger-store.js';
export { LedgerError, type LedgerErrorCode } from './storage/errors.js';
export type { LedgerOptions } from './storage/options.js';
