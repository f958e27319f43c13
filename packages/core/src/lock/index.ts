export {
  LOCK_VERSION,
  LockError,
  compareWithLock,
  emptyLock,
  lockRecordOf,
  parseLock,
  serializeLock,
  updateLock,
  type LockComparison,
  type LockErrorCode,
  type LockRecord,
  type Lockfile,
} from './lockfile.js';
