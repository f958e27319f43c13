import { HttpError } from './errors.js';

/** Sequence numbers one page covers, as scitt-ccf-ledger and Microsoft's service page their listing. */
export const ENTRY_IDS_PER_PAGE = 10_000;

export interface EntryIdPage {
  transactionIds: string[];
  /** Where the rest of the asked range is; absent on the last page. */
  nextLink?: string;
}

const SEQUENCE_NUMBER = /^(0|[1-9][0-9]{0,14})$/;

/** A sequence number in the query: plain decimal, given at most once; anything Number() would also take is refused. */
function sequenceNumber(query: URLSearchParams, name: string): number | undefined {
  const values = query.getAll(name);
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new HttpError('HTTP_BAD_QUERY', `${name} is given ${values.length} times`);
  const text = values[0] as string;
  if (!SEQUENCE_NUMBER.test(text)) throw new HttpError('HTTP_BAD_QUERY', `${name} must be a decimal sequence number`);
  return Number(text);
}

/**
 * GET /entries/txIds?from=&to= over the embedded ledger, whose sequence numbers are its entry ids
 * (leaf indices): every committed entry is an id, so a page is computed, never searched. `from`
 * defaults to 0 and `to` to the last committed entry; a range past the committed log is refused, as
 * CCF refuses uncommitted transactions. A page covers at most ENTRY_IDS_PER_PAGE sequence numbers and
 * its nextLink asks for the rest of the same range.
 */
export function entryIdPage(committed: number, query: URLSearchParams): EntryIdPage {
  const from = sequenceNumber(query, 'from') ?? 0;
  const asked = sequenceNumber(query, 'to');
  if (asked === undefined && committed === 0) return { transactionIds: [] };
  const to = asked ?? committed - 1;
  if (to < from) throw new HttpError('HTTP_BAD_QUERY', `the range starts at ${from} but ends at ${to}`);
  if (to >= committed) throw new HttpError('HTTP_BAD_QUERY', `entry ${to} is not committed: the log holds ${committed} entries`);
  const end = Math.min(to, from + ENTRY_IDS_PER_PAGE - 1);
  const transactionIds = new Array<string>(end - from + 1);
  for (let seqno = from; seqno <= end; seqno++) transactionIds[seqno - from] = String(seqno);
  return end < to ? { transactionIds, nextLink: `/entries/txIds?from=${end + 1}&to=${to}` } : { transactionIds };
}
