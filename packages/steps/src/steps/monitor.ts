import { isCountersignError, TransparencyError, type TrustPolicy } from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import type { EntryLog } from '../monitor/entry-log.js';
import { classify, loadExpectations, type Expectations } from '../monitor/expectations.js';
import { readEntry, type ReceiptCheck } from '../monitor/read-entry.js';
import { receiptCheckOf, serviceRuleOf, serviceUrlKey } from '../monitor/service-rule.js';
import { MAX_UNRESOLVED, MONITOR_STATE_VERSION, readMonitorState, writeMonitorState, type MonitorState } from '../monitor/state.js';
import { currentTreeHead, type TreeHead } from '../monitor/tree-heads.js';
import { monitorWatchList, watchedBecause, type WatchList } from '../monitor/watch.js';
import { sequenceNumberOf, viewOf, type ListingLimits } from '../transparency/entry-listing.js';
import { exists } from '../io/files.js';
import { mapBounded } from './bounded-pool.js';

export interface MonitorInput {
  log: EntryLog;
  /** The service's URL: names it in the state file and finds its entry (keys) in the policy. */
  serviceUrl: string;
  policy: TrustPolicy;
  /** Issuers to watch; default: every issuer in the policy. */
  issuers?: string[];
  /** Key ids to watch, besides every key the policy lists for the watched issuers. */
  keys?: string[];
  /** The receipt lockfile of our releases. */
  lockfile?: string;
  /** More statements of ours, one a line (see parseKnownList). */
  known?: string;
  /** Where the run starts from and where it saves where it stopped. */
  statePath: string;
  /**
   * With no state file yet: record where the log ends now (and, vds 1, its verified tree head)
   * without classifying the history, so that a log with years of entries starts watching today.
   * With a state file it changes nothing.
   */
  startAtEnd?: boolean;
  /** Entries fetched at once (default 16). */
  concurrency?: number;
  listing?: ListingLimits;
}

export type MonitorAlertKind = 'unexpected' | 'conflict' | 'inconsistent' | 'unverified';

export interface MonitorAlert {
  entryId: string | null;
  issuer: string | null;
  subject: string | null;
  digest: string | null;
  registeredAt: string | null;
  kind: MonitorAlertKind;
  reason: string;
}

export interface MonitorResult {
  /** Entries read this run (retries of unreadable ones included). */
  scanned: number;
  /** Watched entries that our lockfile or known list pins. */
  known: number;
  alerts: MonitorAlert[];
  /** The verified tree size (vds 1 services); null for services without tree heads. */
  treeSize: number | null;
  /** Set when startAtEnd recorded the end of the log instead of reading it: the entries passed over and the last one. */
  startedAtEnd?: { skipped: number; lastEntryId: string | null };
}

export const DEFAULT_MONITOR_CONCURRENCY = 16;

/** Where a run keeps its place when the front end is not told: relative to the working directory, as every front end runs. */
export const DEFAULT_MONITOR_STATE = '.countersign/monitor-state.json';
/**
 * Past this many entries the service failed to serve, the run stops (unsaved) rather than retry every
 * remaining entry against a service that is down: each one costs the client's bounded retries.
 */
export const MAX_UNAVAILABLE_ENTRIES = 32;

interface Run {
  log: EntryLog;
  check: ReceiptCheck;
  watch: WatchList;
  expectations: Expectations;
  /** Roots the service signed, by tree size: two different ones for one size are a split view. */
  roots: Map<number, string>;
  /** Entries the service failed to serve (overload, timeouts) so far this run. */
  unavailable: number;
}

type EntryOutcome = { kind: 'ignored' } | { kind: 'known' } | { kind: 'alert'; alert: MonitorAlert; unresolved?: boolean };

const alertOf = (kind: MonitorAlertKind, reason: string, entry: Partial<Omit<MonitorAlert, 'kind' | 'reason'>> = {}): MonitorAlert => ({
  entryId: entry.entryId ?? null,
  issuer: entry.issuer ?? null,
  subject: entry.subject ?? null,
  digest: entry.digest ?? null,
  registeredAt: entry.registeredAt ?? null,
  kind,
  reason,
});

/** One alert as one line: entry id, issuer, subject, digest, registration time, kind and why ("-" for what is unknown). */
export function alertLine(alert: MonitorAlert): string {
  return [alert.entryId, alert.issuer, alert.subject, alert.digest, alert.registeredAt].map((field) => field ?? '-').join('  ') + `  ${alert.kind}: ${alert.reason}`;
}

/** Reads, verifies and classifies one entry; a failure to read it is an alert, and the entry is retried next run. */
async function examine(run: Run, entryId: string): Promise<EntryOutcome> {
  let facts;
  try {
    facts = await readEntry(run.log, entryId, run.check);
  } catch (error) {
    if (!isCountersignError(error) || error.code === 'TS_TLS') throw error;
    if (error.area === 'transparency' && error.code !== 'TS_NOT_FOUND' && ++run.unavailable > MAX_UNAVAILABLE_ENTRIES) throw error;
    if (error.area === 'transparency') return { kind: 'alert', alert: alertOf('unverified', `could not be read (retried next run): ${error.message}`, { entryId }), unresolved: true };
    return { kind: 'alert', alert: alertOf('unverified', `is not a signed statement countersign can read: ${error.message}`, { entryId }) };
  }
  const receipt = facts.receipt!;
  const fields = { entryId, issuer: facts.issuer, subject: facts.subject, digest: facts.digest, registeredAt: receipt.verified ? receipt.registeredAt : undefined };
  if (!receipt.verified) return { kind: 'alert', alert: alertOf('unverified', receipt.reason, fields) };
  if (receipt.treeSize !== undefined && receipt.root !== undefined) {
    const seen = run.roots.get(receipt.treeSize);
    if (seen !== undefined && seen !== receipt.root) {
      return { kind: 'alert', alert: alertOf('inconsistent', `its receipt signs root ${receipt.root.slice(0, 16)}... for tree size ${receipt.treeSize}, where the verified tree has ${seen.slice(0, 16)}...: the service signed two trees`, fields) };
    }
    run.roots.set(receipt.treeSize, receipt.root);
  }
  const because = watchedBecause(facts.statement, run.watch);
  if (because === undefined) return { kind: 'ignored' };
  const classification = classify(run.expectations, facts.digest, facts.statementHash);
  if (classification.kind === 'known') return { kind: 'known' };
  return { kind: 'alert', alert: alertOf(classification.kind, `${classification.reason}; watched: ${because}`, fields) };
}

/**
 * Checks that listed ids only ever move forward: by sequence number, and by CCF view. With `saved`
 * (a CCF service, listed from the last entry read), the first id must be that entry again.
 */
class IdOrder {
  private previous: { id: string; seqno: number } | undefined;
  private expectSaved: boolean;

  constructor(saved: { id: string; seqno: number } | undefined, relisted: boolean) {
    this.previous = saved;
    this.expectSaved = relisted && saved !== undefined;
  }

  /** Whether `id` is new (false for the saved entry listed again); throws an inconsistency otherwise. */
  next(id: string, log: EntryLog): boolean {
    const seqno = sequenceNumberOf(id);
    if (seqno === undefined) throw new TransparencyError('TS_PROTOCOL', `${log.name}: entry id "${id}" is neither a sequence number nor a view.seqno transaction id, so a monitor cannot tell where it stopped`);
    const previous = this.previous;
    if (this.expectSaved) {
      this.expectSaved = false;
      if (id === previous?.id) return false;
      throw new Inconsistency(`entry ${previous?.id}, read on an earlier run, is no longer listed (${id} is listed first): the log was rolled back or rewritten`);
    }
    if (previous) {
      if (seqno <= previous.seqno) throw new Inconsistency(`entry ids go backwards: ${id} is listed after ${previous.id}`);
      const [view, previousView] = [viewOf(id), viewOf(previous.id)];
      if (view !== undefined && previousView !== undefined && view < previousView) throw new Inconsistency(`entry ${id} is in view ${view}, before the view of ${previous.id}: the log was rolled back`);
    }
    this.previous = { id, seqno };
    return true;
  }

  get last(): { id: string; seqno: number } | undefined {
    return this.previous;
  }

  /** The saved entry was due first but the listing was empty. */
  missingSaved(): string | undefined {
    return this.expectSaved ? `entry ${this.previous?.id}, read on an earlier run, is no longer listed: the log was rolled back or rewritten` : undefined;
  }
}

class Inconsistency extends Error {}

async function* nothing(): AsyncGenerator<string[]> {}

/**
 * The monitor step: reads every entry registered since the last run (the state file says where that
 * was), verifies each receipt with the service keys the policy pins, proves (vds 1) that the log
 * only grew since the tree head saved last time, and raises an alert for each statement that
 * speaks as a watched issuer, key or CA and that no release of ours made (unexpected), that re-signs
 * an artifact we pinned (conflict), for an entry it cannot verify, and for a log that was rewritten.
 * The state is saved unless the log is inconsistent (then every later run alerts too).
 */
export async function monitorLog(input: MonitorInput, host: Host): Promise<MonitorResult> {
  const service = serviceUrlKey(input.serviceUrl);
  const firstRun = !(await exists(input.statePath));
  const state = await readMonitorState(input.statePath, service);
  const expectations = await loadExpectations(input.lockfile, input.known);
  const watch = monitorWatchList(input.policy, input.issuers ?? [], input.keys ?? []);
  const rule = await serviceRuleOf(input.policy, input.log, input.serviceUrl);
  const check = receiptCheckOf(rule);
  const run: Run = { log: input.log, check, watch, expectations, roots: new Map(), unavailable: 0 };
  const result: MonitorResult = { scanned: 0, known: 0, alerts: [], treeSize: null };

  const headOutcome = await currentTreeHead(input.log, check.resolveKey, rule.iss, state.treeHead);
  if (headOutcome.inconsistency !== undefined) return finish(result, [alertOf('inconsistent', headOutcome.inconsistency)], host, service);
  const head: TreeHead | undefined = headOutcome.head;
  if (head) {
    result.treeSize = head.treeSize;
    run.roots.set(head.treeSize, head.rootHash);
    if (state.treeHead) run.roots.set(state.treeHead.treeSize, state.treeHead.rootHash);
  }
  if (firstRun && input.startAtEnd) return startAtEnd(input, head, result, host, service);

  const saved = state.lastEntryId !== undefined ? { id: state.lastEntryId, seqno: state.lastSequenceNumber as number } : undefined;
  // A vds 1 log's sequence numbers are its leaf indices: list exactly what the verified head covers.
  // Elsewhere list from the last entry read, inclusive, which proves it is still there.
  const from = head ? (saved ? saved.seqno + 1 : 0) : saved?.seqno;
  const pages = head ? (from! < head.treeSize ? input.log.entryIdPages({ from, to: head.treeSize - 1 }, input.listing) : nothing()) : input.log.entryIdPages(from === undefined ? {} : { from }, input.listing);
  const order = new IdOrder(saved, !head);
  const unresolved: string[] = [];
  const concurrency = input.concurrency ?? DEFAULT_MONITOR_CONCURRENCY;
  const alerts: MonitorAlert[] = [];
  const tally = (outcomes: EntryOutcome[], ids: readonly string[]): void => {
    result.scanned += outcomes.length;
    outcomes.forEach((outcome, index) => {
      if (outcome.kind === 'known') result.known++;
      if (outcome.kind !== 'alert') return;
      alerts.push(outcome.alert);
      if (outcome.unresolved) unresolved.push(ids[index] as string);
    });
  };

  const retries = state.unresolved ?? [];
  if (retries.length) host.info(`retrying ${retries.length} entr${retries.length === 1 ? 'y' : 'ies'} that could not be read before`);
  tally(await mapBounded(retries, concurrency, (id) => examine(run, id)), retries);
  try {
    for await (const page of pages) {
      const fresh = page.filter((id) => order.next(id, input.log));
      tally(await mapBounded(fresh, concurrency, (id) => examine(run, id)), fresh);
      if (result.scanned > 0 && fresh.length > 0) host.debug(`read ${result.scanned} entries, up to ${fresh.at(-1)}`);
    }
    const missing = order.missingSaved();
    if (missing) throw new Inconsistency(missing);
  } catch (error) {
    if (!(error instanceof Inconsistency)) throw error;
    return finish(result, [...alerts, alertOf('inconsistent', error.message)], host, service);
  }

  if (unresolved.length > MAX_UNRESOLVED) host.warn(`${unresolved.length} entries could not be read; only the first ${MAX_UNRESOLVED} are kept to retry`);
  const last = order.last;
  const next: MonitorState = {
    version: state.version,
    service,
    ...(last ? { lastEntryId: last.id, lastSequenceNumber: last.seqno } : {}),
    ...(head ? { treeHead: head } : {}),
    ...(unresolved.length ? { unresolved: unresolved.slice(0, MAX_UNRESOLVED) } : {}),
  };
  await writeMonitorState(input.statePath, next);
  return finish(result, alerts, host, service);
}

/**
 * The first run of startAtEnd: the last entry the log lists now (up to the verified head's size for
 * vds 1) is saved as where this run stopped, and nothing before it is read or classified.
 */
async function startAtEnd(input: MonitorInput, head: TreeHead | undefined, result: MonitorResult, host: Host, service: string): Promise<MonitorResult> {
  let last: { id: string; seqno: number } | undefined;
  let count = 0;
  const range = head ? { from: head.treeSize - 1, to: head.treeSize - 1 } : {};
  if (!head || head.treeSize > 0) {
    for await (const page of input.log.entryIdPages(range, input.listing)) {
      count += page.length;
      const id = page.at(-1);
      if (id === undefined) continue;
      const seqno = sequenceNumberOf(id);
      if (seqno === undefined) throw new TransparencyError('TS_PROTOCOL', `${input.log.name}: entry id "${id}" is neither a sequence number nor a view.seqno transaction id, so a monitor cannot tell where it stopped`);
      last = { id, seqno };
    }
  }
  const skipped = head ? head.treeSize : count;
  await writeMonitorState(input.statePath, {
    version: MONITOR_STATE_VERSION,
    service,
    ...(last ? { lastEntryId: last.id, lastSequenceNumber: last.seqno } : {}),
    ...(head ? { treeHead: head } : {}),
  });
  result.startedAtEnd = { skipped, lastEntryId: last?.id ?? null };
  host.info(`no state at ${input.statePath}: started at the end of the log, ${skipped} earlier entr${skipped === 1 ? 'y' : 'ies'} not read${last ? ` (last: ${last.id})` : ''}; later runs read only what comes after`);
  return finish(result, [], host, service);
}

function finish(result: MonitorResult, alerts: MonitorAlert[], host: Host, service: string): MonitorResult {
  result.alerts = alerts;
  for (const alert of alerts) host.error(`${alert.kind}${alert.entryId === null ? '' : ` entry ${alert.entryId}`}: ${alert.reason}`);
  host.info(`scanned ${result.scanned} entries of ${service}: ${result.known} of ours, ${alerts.length} alert(s)${result.treeSize === null ? '' : `, tree size ${result.treeSize}`}`);
  host.setOutput('scanned', String(result.scanned));
  host.setOutput('alerts', String(alerts.length));
  host.setOutput('tree-size', result.treeSize === null ? '' : String(result.treeSize));
  host.addSummary(monitorMarkdown(result, service));
  return result;
}

const cell = (text: string | null): string => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function monitorMarkdown(result: MonitorResult, service: string): string {
  const lines = [`### countersign monitor: ${service}`, ''];
  if (result.startedAtEnd) lines.push(`First run with start-at-end: ${result.startedAtEnd.skipped} earlier entries were not read; later runs read only entries after ${result.startedAtEnd.lastEntryId ?? 'the start of the log'}.`, '');
  lines.push(`Scanned ${result.scanned} entries, ${result.known} of ours, ${result.alerts.length} alert(s)${result.treeSize === null ? '' : `; tree size ${result.treeSize}`}.`, '');
  if (result.alerts.length) {
    lines.push('| entry | issuer | subject | digest | registered | kind | reason |', '|---|---|---|---|---|---|---|');
    for (const alert of result.alerts) lines.push(`| ${[alert.entryId, alert.issuer, alert.subject, alert.digest, alert.registeredAt, alert.kind, alert.reason].map(cell).join(' | ')} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** The failure a run with alerts ends in, for front ends that fail the run on it; undefined when there is none. */
export function monitorFailure(result: MonitorResult): StepError | undefined {
  if (result.alerts.length === 0) return undefined;
  const kinds = [...new Set(result.alerts.map((alert) => alert.kind))].join(', ');
  return new StepError('STEP_MONITOR_ALERT', `${result.alerts.length} alert(s) (${kinds}) in ${result.scanned} entries scanned`);
}
