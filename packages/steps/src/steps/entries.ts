import { isCountersignError, readReceiptSummary, type TrustPolicy } from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import type { EntryLog } from '../monitor/entry-log.js';
import { primaryKeyId, readEntry, type EntryFacts, type ReceiptCheck } from '../monitor/read-entry.js';
import { receiptCheckOf, serviceRuleOf } from '../monitor/service-rule.js';
import { parseCaFingerprint, watchedBecause, type WatchList } from '../monitor/watch.js';
import { sequenceNumberOf, type ListingLimits } from '../transparency/entry-listing.js';
import { mapBounded } from './bounded-pool.js';
import { DEFAULT_MONITOR_CONCURRENCY } from './monitor.js';

export interface EntriesInput {
  log: EntryLog;
  serviceUrl: string;
  /** Exactly one of issuer, key (a key id) and ca (a CA certificate fingerprint). */
  issuer?: string;
  key?: string;
  ca?: string;
  /** Only entries registered in [since, until] (by their receipt's registration time). */
  since?: Date;
  until?: Date;
  /** With a policy, each listed entry's receipt is verified with the service's pinned keys. */
  policy?: TrustPolicy;
  concurrency?: number;
  listing?: ListingLimits;
}

export interface ListedEntry {
  entryId: string;
  issuer: string;
  subject: string;
  digest: string;
  keyId: string | null;
  registeredAt: string | null;
  /** true or false when a policy was given to verify the receipt with, null otherwise. */
  receiptVerified: boolean | null;
}

export interface EntriesResult {
  scanned: number;
  entries: ListedEntry[];
  /** Entries that could not be read: the answer is incomplete while there are any. */
  unreadable: Array<{ entryId: string; reason: string }>;
}

function selection(input: EntriesInput): WatchList {
  const given = [input.issuer, input.key, input.ca].filter((value) => value !== undefined);
  if (given.length !== 1) throw new StepError('STEP_USAGE', 'name exactly one of an issuer, a key id or a CA fingerprint to list entries for', { input: 'issuer' });
  if (input.since && input.until && input.since > input.until) throw new StepError('STEP_USAGE', 'the listing would start after it ends', { input: 'since' });
  return {
    issuers: new Set(input.issuer === undefined ? [] : [input.issuer]),
    keys: new Set(input.key === undefined ? [] : [/^[0-9a-fA-F]+$/.test(input.key) ? input.key.toLowerCase() : input.key]),
    cas: input.ca === undefined ? [] : [parseCaFingerprint(input.ca)],
  };
}

/** When the entry was registered: its verified receipt says so; without keys to verify with, the first receipt's claim. */
function registeredAt(facts: EntryFacts): string | undefined {
  if (facts.receipt) return facts.receipt.verified ? facts.receipt.registeredAt : undefined;
  const first = facts.statement.receipts[0];
  if (!first) return undefined;
  try {
    const issuedAt = readReceiptSummary(first).issuedAt;
    return issuedAt === undefined ? undefined : new Date(issuedAt * 1000).toISOString();
  } catch {
    return undefined;
  }
}

/**
 * Incident response: every entry of the log that the issuer, key or CA signed, with subject,
 * digest, key id and registration time, in log order. The whole log is read (a listing gives ids,
 * not signers); entries that cannot be read are reported, never skipped silently.
 */
export async function listEntries(input: EntriesInput, host: Host): Promise<EntriesResult> {
  const watch = selection(input);
  const check: ReceiptCheck | undefined = input.policy ? receiptCheckOf(await serviceRuleOf(input.policy, input.log, input.serviceUrl)) : undefined;
  const result: EntriesResult = { scanned: 0, entries: [], unreadable: [] };
  let undated = 0;
  for await (const page of input.log.entryIdPages({}, input.listing)) {
    const listed = await mapBounded(page, input.concurrency ?? DEFAULT_MONITOR_CONCURRENCY, async (entryId): Promise<ListedEntry | undefined> => {
      let facts: EntryFacts;
      try {
        facts = await readEntry(input.log, entryId, check);
      } catch (error) {
        if (!isCountersignError(error) || error.code === 'TS_TLS') throw error;
        result.unreadable.push({ entryId, reason: error.message });
        return undefined;
      }
      if (watchedBecause(facts.statement, watch) === undefined) return undefined;
      const at = registeredAt(facts);
      if (input.since || input.until) {
        if (at === undefined) {
          undated++;
          return undefined;
        }
        if ((input.since && new Date(at) < input.since) || (input.until && new Date(at) > input.until)) return undefined;
      }
      if (facts.receipt && !facts.receipt.verified) host.warn(`entry ${entryId}: ${facts.receipt.reason}`);
      return {
        entryId,
        issuer: facts.issuer,
        subject: facts.subject,
        digest: facts.digest,
        keyId: primaryKeyId(facts.statement) ?? null,
        registeredAt: at ?? null,
        receiptVerified: facts.receipt ? facts.receipt.verified : null,
      };
    });
    result.scanned += page.length;
    for (const entry of listed) if (entry) result.entries.push(entry);
  }
  // Fetched concurrently, so reported in log order here.
  result.unreadable.sort((a, b) => (sequenceNumberOf(a.entryId) ?? 0) - (sequenceNumberOf(b.entryId) ?? 0));
  for (const { entryId, reason } of result.unreadable) host.error(`entry ${entryId} could not be read: ${reason}`);
  if (undated) host.warn(`${undated} matching entr${undated === 1 ? 'y has' : 'ies have'} no registration time and were left out of the time range`);
  host.info(`scanned ${result.scanned} entries: ${result.entries.length} match`);
  host.setOutput('entry-ids', result.entries.map((entry) => entry.entryId).join('\n'));
  return result;
}

/** The failure of a listing that could not read every entry: its answer is incomplete. */
export function entriesFailure(result: EntriesResult): StepError | undefined {
  if (result.unreadable.length === 0) return undefined;
  return new StepError('STEP_MONITOR_ALERT', `${result.unreadable.length} of ${result.scanned} entries could not be read: the list may be incomplete`);
}
