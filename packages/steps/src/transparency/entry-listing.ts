import { TransparencyError } from '@countersign/core';

/** Sequence numbers to list, both ends included; absent ends are the service's defaults (its first and last committed). */
export interface EntryIdRange {
  from?: number;
  to?: number;
}

/** How far a listing may go before it is given up as a service that never stops answering. */
export interface ListingLimits {
  /** Pages at most (default 10,000: 100 million sequence numbers at 10,000 a page). */
  maxPages?: number;
  /** The whole listing, every page and retry included (default 10 minutes). */
  timeoutMs?: number;
}

export const DEFAULT_MAX_PAGES = 10_000;
export const DEFAULT_LISTING_TIMEOUT_MS = 600_000;
/** Far above the 10,000 a page services send, low enough that a page stays a few hundred kB. */
const MAX_IDS_PER_PAGE = 100_000;
const ENTRY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const TRANSACTION_ID = /^(0|[1-9][0-9]{0,15})\.(0|[1-9][0-9]{0,15})$/;

/**
 * The sequence number an entry id stands for: the embedded ledger's ids are decimal sequence numbers,
 * CCF's (Microsoft's service, scitt-ccf-ledger) are `view.seqno`. Undefined for any other form.
 */
export function sequenceNumberOf(entryId: string): number | undefined {
  const decimal = DECIMAL.exec(entryId);
  if (decimal) return Number(entryId);
  const transaction = TRANSACTION_ID.exec(entryId);
  return transaction ? Number(transaction[2]) : undefined;
}

/** The view of a CCF transaction id (`view.seqno`), undefined for other ids. */
export function viewOf(entryId: string): number | undefined {
  const transaction = TRANSACTION_ID.exec(entryId);
  return transaction ? Number(transaction[1]) : undefined;
}

export interface EntryIdPage {
  ids: string[];
  next?: URL;
}

/** Reads one page: `{"transactionIds": [...], "nextLink": "..."}`, every id a short token. */
export function parseEntryIdPage(body: Uint8Array, pageUrl: string, service: string): EntryIdPage {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new TransparencyError('TS_PROTOCOL', `${service}: the entry listing is not JSON`);
  }
  const { transactionIds, nextLink } = (value ?? {}) as { transactionIds?: unknown; nextLink?: unknown };
  if (!Array.isArray(transactionIds) || transactionIds.length > MAX_IDS_PER_PAGE) throw new TransparencyError('TS_PROTOCOL', `${service}: the entry listing has no transactionIds array of at most ${MAX_IDS_PER_PAGE} ids`);
  for (const id of transactionIds) {
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) throw new TransparencyError('TS_PROTOCOL', `${service}: the entry listing holds an id that is not a short token: ${JSON.stringify(id).slice(0, 80)}`);
  }
  if (nextLink === undefined || nextLink === null || nextLink === '') return { ids: transactionIds as string[] };
  if (typeof nextLink !== 'string') throw new TransparencyError('TS_PROTOCOL', `${service}: the entry listing's nextLink is not text`);
  let next: URL;
  try {
    next = new URL(nextLink, pageUrl);
  } catch {
    throw new TransparencyError('TS_PROTOCOL', `${service}: the entry listing's nextLink is not a URL`);
  }
  return { ids: transactionIds as string[], next };
}

/**
 * Keeps a walk through pages honest: every nextLink stays on the service's origin and listing path,
 * asks for a `from` past everything listed so far, and is never visited twice. A service that breaks
 * these would otherwise hold a client in a loop, or send it (and its token) elsewhere.
 */
export class PageWalk {
  private readonly visited = new Set<string>();
  private highest: number;
  private pages = 0;

  constructor(
    private readonly service: string,
    private readonly origin: string,
    from: number | undefined,
    private readonly maxPages: number,
  ) {
    this.highest = from === undefined ? -1 : from - 1;
  }

  /** Records a page fetched from `url` with these ids. */
  page(url: URL, ids: readonly string[]): void {
    this.pages++;
    this.visited.add(withoutApiVersion(url));
    for (const id of ids) {
      const seqno = sequenceNumberOf(id);
      if (seqno !== undefined && seqno > this.highest) this.highest = seqno;
    }
  }

  /** Checks a nextLink before it is followed. */
  follow(next: URL): void {
    const fail = (reason: string): never => {
      throw new TransparencyError('TS_PAGING', `${this.service}: the entry listing's nextLink ${reason}`);
    };
    if (next.origin !== this.origin) fail(`leads to another origin (${next.origin}); it is not followed`);
    if (!/\/entries\/txIds$/.test(next.pathname)) fail(`leads to ${next.pathname.slice(0, 80)}, not to a listing`);
    if (this.visited.has(withoutApiVersion(next))) fail('leads to a page already read (a loop)');
    const fromText = next.searchParams.get('from') ?? '';
    if (!DECIMAL.test(fromText)) fail('names no decimal from');
    if (Number(fromText) <= this.highest) fail(`goes back to sequence number ${fromText}, at or before ${this.highest}, already listed`);
    if (this.pages >= this.maxPages) throw new TransparencyError('TS_PAGING', `${this.service}: the entry listing goes on past ${this.maxPages} pages`);
    this.highest = Number(fromText) - 1;
  }
}

function withoutApiVersion(url: URL): string {
  const plain = new URL(url);
  plain.searchParams.delete('api-version');
  return plain.href;
}
