export { LedgerStore, type AppendResult } from './storage/ledger-store.js';
export { LedgerError, type LedgerErrorCode } from './storage/errors.js';
export type { LedgerOptions } from './storage/options.js';
export { RegistrationError, type RegistrationErrorCode } from './service/registration-error.js';
export { admitStatement, DEFAULT_MAX_STATEMENT_BYTES, type RegistrationPolicy } from './service/registration-policy.js';
export { TransparencyLedger, type TransparencyLedgerOptions } from './service/transparency-ledger.js';
export { createLedgerServer, type LedgerServerOptions, type RegistrationStyle } from './http/server.js';
