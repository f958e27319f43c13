import { ENTRY_IDS_PER_PAGE, entryIdPage } from '../src/http/entry-id-page.js';

const query = (text: string): URLSearchParams => new URLSearchParams(text);
const refusal = (committed: number, text: string): string | undefined => {
  try {
    entryIdPage(committed, query(text));
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe('GET /entries/txIds over the embedded ledger', () => {
  it('lists every committed entry by default, 10,000 sequence numbers a page, nextLink asking for the rest of the range', () => {
    const first = entryIdPage(100_000, query(''));
    expect(first.transactionIds).toHaveLength(ENTRY_IDS_PER_PAGE);
    expect(first.transactionIds.slice(0, 2)).toEqual(['0', '1']);
    expect(first.transactionIds.at(-1)).toBe('9999');
    expect(first.nextLink).toBe('/entries/txIds?from=10000&to=99999');
    const last = entryIdPage(100_000, query('from=90000&to=99999'));
    expect(last).toEqual({ transactionIds: Array.from({ length: 10_000 }, (_, i) => String(90_000 + i)) });
  });

  it('walks 100,000 entries in 10 pages, each id once, in order', () => {
    const seen: string[] = [];
    let link: string | undefined = '/entries/txIds';
    let pages = 0;
    while (link !== undefined && pages < 20) {
      const page = entryIdPage(100_000, new URL(link, 'http://x').searchParams);
      seen.push(...page.transactionIds);
      link = page.nextLink;
      pages++;
    }
    expect(pages).toBe(10);
    expect(seen).toHaveLength(100_000);
    expect(seen.every((id, index) => id === String(index))).toBe(true);
  });

  it('answers a range inside the log exactly, and an empty log with an empty list', () => {
    expect(entryIdPage(10, query('from=3&to=5'))).toEqual({ transactionIds: ['3', '4', '5'] });
    expect(entryIdPage(10, query('from=9'))).toEqual({ transactionIds: ['9'] });
    expect(entryIdPage(0, query(''))).toEqual({ transactionIds: [] });
  });

  it('refuses what is not a plain decimal, a range backwards or past the committed log, and a number given twice', () => {
    for (const text of ['from=-1', 'from=1e3', 'from=0x10', 'from=', 'from=%207', 'from=01', 'to=abc', 'from=1&from=2', 'from=5&to=4', 'to=10', 'from=10', 'from=9999999999999999']) {
      expect({ text, code: refusal(10, text) }).toEqual({ text, code: 'HTTP_BAD_QUERY' });
    }
    expect(refusal(0, 'to=0')).toBe('HTTP_BAD_QUERY');
    expect(entryIdPage(0, query('from=5'))).toEqual({ transactionIds: [] });
  });
});
