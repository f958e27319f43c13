import { CountersignError } from '../errors.js';
import type { ReceiptFacts, StatementFacts } from '../verify/verdict.js';

export type LockErrorCode = 'LOCK_MALFORMED' | 'LOCK_VERSION';

export class LockError extends CountersignError<LockErrorCode> {
  readonly area = 'lock';
}

export const LOCK_VERSION = 1;

/** What was released for one artifact: the statement and where it was logged. */
export interface LockRecord {
  statementHash: string;
  issuer: string;
  subject: string;
  receipts: ReceiptFacts[];
}

/** countersign.lock.json: per artifact digest (ALG:HEX), the pinned record. */
export interface Lockfile {
  version: typeof LOCK_VERSION;
  artifacts: Record<string, LockRecord>;
}

export function emptyLock(): Lockfile {
  return { version: LOCK_VERSION, artifacts: {} };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function malformed(reason: string): never {
  throw new LockError('LOCK_MALFORMED', `lockfile: ${reason}`);
}

function readReceipt(value: unknown, where: string): ReceiptFacts {
  if (!isObject(value) || typeof value.kid !== 'string' || typeof value.entryId !== 'string') malformed(`${where} needs kid and entryId`);
  for (const field of ['service', 'registeredAt'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'string') malformed(`${where}.${field} must be text`);
  }
  return { service: value.service as string | undefined, kid: value.kid, entryId: value.entryId, registeredAt: value.registeredAt as string | undefined };
}

export function parseLock(text: string): Lockfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    malformed('not valid JSON');
  }
  if (!isObject(value)) malformed('must be a JSON object');
  if (value.version !== LOCK_VERSION) {
    if (typeof value.version === 'number' && value.version > LOCK_VERSION) throw new LockError('LOCK_VERSION', `lockfile version ${value.version} needs a newer countersign`);
    malformed(`version must be ${LOCK_VERSION}`);
  }
  if (!isObject(value.artifacts)) malformed('artifacts must be an object');
  const artifacts: Record<string, LockRecord> = {};
  for (const [digest, record] of Object.entries(value.artifacts)) {
    const where = `artifacts["${digest.slice(0, 80)}"]`;
    if (!/^sha(256|384|512):[0-9a-f]+$/.test(digest)) malformed(`${where}: key must be ALG:HEX`);
    if (!isObject(record) || typeof record.statementHash !== 'string' || typeof record.issuer !== 'string' || typeof record.subject !== 'string' || !Array.isArray(record.receipts)) {
      malformed(`${where} needs statementHash, issuer, subject and receipts`);
    }
    artifacts[digest] = {
      statementHash: record.statementHash,
      issuer: record.issuer,
      subject: record.subject,
      receipts: record.receipts.map((receipt, index) => readReceipt(receipt, `${where}.receipts[${index}]`)),
    };
  }
  return { version: LOCK_VERSION, artifacts };
}

export function serializeLock(lock: Lockfile): string {
  const sorted = Object.fromEntries(Object.entries(lock.artifacts).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({ version: lock.version, artifacts: sorted }, null, 2)}\n`;
}

export function lockRecordOf(facts: StatementFacts): LockRecord {
  return { statementHash: facts.statementHash, issuer: facts.issuer, subject: facts.subject, receipts: facts.receipts.map((receipt) => ({ ...receipt })) };
}

export type LockComparison = { outcome: 'match' | 'new' } | { outcome: 'conflict'; reason: string };

/**
 * Compares what a run sees with what was pinned. A different statement for the same artifact is a
 * re-signing; the same service naming a different entry for it is a split view. Receipts from
 * services the lock does not mention are new facts, not conflicts.
 */
export function compareWithLock(lock: Lockfile, artifactDigest: string, seen: LockRecord): LockComparison {
  const pinned = lock.artifacts[artifactDigest];
  if (!pinned) return { outcome: 'new' };
  if (pinned.statementHash !== seen.statementHash) {
    return { outcome: 'conflict', reason: `artifact was pinned with statement ${pinned.statementHash.slice(0, 16)}..., this is statement ${seen.statementHash.slice(0, 16)}... (re-signed?)` };
  }
  for (const receipt of seen.receipts) {
    const earlier = pinned.receipts.find((candidate) => candidate.service === receipt.service);
    if (earlier && earlier.entryId !== receipt.entryId) {
      return { outcome: 'conflict', reason: `${receipt.service ?? 'a service'} logged this statement as entry ${receipt.entryId}, but the lock pinned entry ${earlier.entryId} (split view?)` };
    }
  }
  return { outcome: 'match' };
}

/** The lock with this artifact's record added or replaced (receipts merged by service). */
export function updateLock(lock: Lockfile, artifactDigest: string, seen: LockRecord): Lockfile {
  const pinned = lock.artifacts[artifactDigest];
  const keep = pinned && pinned.statementHash === seen.statementHash ? pinned.receipts.filter((old) => !seen.receipts.some((receipt) => receipt.service === old.service)) : [];
  return { ...lock, artifacts: { ...lock.artifacts, [artifactDigest]: { ...seen, receipts: [...keep, ...seen.receipts] } } };
}
