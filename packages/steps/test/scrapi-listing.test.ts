import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScrapiClient } from '../src/transparency/scrapi-client.js';
import { sequenceNumberOf, viewOf } from '../src/transparency/entry-listing.js';
import { failureOf } from './fixtures.js';
import { ScriptedService, status, type Handler } from './scripted-service.js';

const json = (value: unknown, code = 200, headers: Record<string, string> = {}): Handler => status(code, { 'content-type': 'application/json', ...headers }, Buffer.from(JSON.stringify(value)));
const page = (ids: string[], nextLink?: string): Handler => json(nextLink === undefined ? { transactionIds: ids } : { transactionIds: ids, nextLink });

const service = new ScriptedService();
beforeAll(() => service.start());
afterAll(() => service.stop());
const client = (options: Partial<ConstructorParameters<typeof ScrapiClient>[0]> = {}): ScrapiClient =>
  new ScrapiClient({ url: service.url, timeoutMs: 5_000, pollIntervalMs: 10, maxWaitMs: 200, maxRetries: 3, ...options });

async function listAll(listing: AsyncGenerator<string[]>): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of listing) ids.push(...page);
  return ids;
}

describe('listing entry ids', () => {
  it('walks the pages a service hands out, following nextLink to the end of the range', async () => {
    service.answer(page(['2.10', '2.11'], '/entries/txIds?from=10001&to=20000'), page(['2.10005'], '/entries/txIds?from=20001&to=30000'), page(['3.25000']));
    expect(await listAll(client().entryIdPages({ from: 1 }))).toEqual(['2.10', '2.11', '2.10005', '3.25000']);
    expect(service.requests.map((request) => request.url)).toEqual(['/entries/txIds?from=1', '/entries/txIds?from=10001&to=20000', '/entries/txIds?from=20001&to=30000']);
  });

  it('asks with the range given, and with nothing when none is', async () => {
    service.answer(page([]), page(['4']));
    expect(await listAll(client().entryIdPages())).toEqual([]);
    expect(await listAll(client().entryIdPages({ from: 4, to: 4 }))).toEqual(['4']);
    expect(service.requests.map((request) => request.url)).toEqual(['/entries/txIds', '/entries/txIds?from=4&to=4']);
  });

  it('waits out 503 while the index catches up, for as long as Retry-After asks', async () => {
    const indexing = json({ error: { code: 'IndexingInProgressRetryLater' } }, 503, { 'retry-after': '0' });
    service.answer(indexing, indexing, page(['1.5']));
    expect(await listAll(client().entryIdPages({ from: 1 }))).toEqual(['1.5']);
    expect(service.requests).toHaveLength(3);
  });

  it('gives up on an index that never catches up after its bounded retries: TS_UNAVAILABLE', async () => {
    const indexing = json({}, 503, { 'retry-after': '0' });
    service.answer(indexing, indexing, indexing, indexing, indexing, indexing);
    expect(await failureOf(listAll(client().entryIdPages()))).toMatchObject({ code: 'TS_UNAVAILABLE' });
    expect(service.requests).toHaveLength(4);
  });

  it('stops at a nextLink that loops back to a page already read', async () => {
    service.answer(page(['1'], '/entries/txIds?from=2&to=9'), page(['2'], '/entries/txIds?from=2&to=9'), page(['3']));
    expect(await failureOf(listAll(client().entryIdPages({ from: 1 })))).toMatchObject({ code: 'TS_PAGING' });
    expect(service.requests).toHaveLength(2);
  });

  it('stops at a nextLink that goes back to what was already listed, under another URL', async () => {
    service.answer(page(['5', '6'], '/entries/txIds?from=6&to=9&x=1'), page(['7']));
    expect(await failureOf(listAll(client().entryIdPages({ from: 5 })))).toMatchObject({ code: 'TS_PAGING' });
    expect(service.requests).toHaveLength(1);
  });

  it('never follows a nextLink to another origin, nor to a path that is not a listing', async () => {
    service.answer(page(['1'], 'http://127.0.0.2:1/entries/txIds?from=2'));
    expect(await failureOf(listAll(client({ token: 'secret' }).entryIdPages()))).toMatchObject({ code: 'TS_PAGING' });
    service.answer(page(['1'], '/entries/1?from=2'));
    expect(await failureOf(listAll(client().entryIdPages()))).toMatchObject({ code: 'TS_PAGING' });
    expect(service.requests).toHaveLength(1);
  });

  it('bounds the pages it reads', async () => {
    service.answer(page(['1'], '/entries/txIds?from=2'), page(['2'], '/entries/txIds?from=3'), page(['3'], '/entries/txIds?from=4'), page(['4']));
    expect(await failureOf(listAll(client().entryIdPages({}, { maxPages: 2 })))).toMatchObject({ code: 'TS_PAGING' });
    expect(service.requests).toHaveLength(2);
  });

  it('refuses listings that are not the documented JSON', async () => {
    for (const body of ['not json', JSON.stringify({ ids: [] }), JSON.stringify({ transactionIds: [7] }), JSON.stringify({ transactionIds: ['../x'] }), JSON.stringify({ transactionIds: [], nextLink: 3 })]) {
      service.answer(status(200, { 'content-type': 'application/json' }, Buffer.from(body)));
      expect(await failureOf(listAll(client().entryIdPages()))).toMatchObject({ code: 'TS_PROTOCOL' });
    }
  });

  it('bounds a listing in time, even when each page comes quickly', async () => {
    const server: Server = createServer((request, response) => {
      const from = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('from') ?? 0);
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ transactionIds: [String(from)], nextLink: `/entries/txIds?from=${from + 1}` })), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endless = new ScrapiClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5_000 });
      expect(await failureOf(listAll(endless.entryIdPages({}, { timeoutMs: 300 })))).toMatchObject({ code: 'TS_TIMEOUT' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('fetching an entry', () => {
  const STATEMENT = Uint8Array.of(0xd2, 0x84, 0x41, 0x00);

  it('gets the transparent statement, waiting while the entry is pending', async () => {
    service.answer(status(202, { 'retry-after': '0' }), status(200, { 'content-type': 'application/cose' }, STATEMENT));
    expect(await client().transparentStatement('2.17')).toEqual(STATEMENT);
    expect(service.requests.map((request) => request.url)).toEqual(['/entries/2.17/statement', '/entries/2.17/statement']);
  });

  it('reports an id that never resolves, bounded: 404 at once, endless 503 after the retries', async () => {
    service.answer(status(404));
    expect(await failureOf(client().transparentStatement('9.9'))).toMatchObject({ code: 'TS_NOT_FOUND' });
    const busy = status(503, { 'retry-after': '0' });
    service.answer(busy, busy, busy, busy, busy);
    expect(await failureOf(client().transparentStatement('9.9'))).toMatchObject({ code: 'TS_UNAVAILABLE' });
    expect(service.requests).toHaveLength(4);
  });

  it('gives up on an entry that stays pending past the timeout', async () => {
    const pending = (): Handler => status(202, { 'retry-after': '1' });
    service.answer(...Array.from({ length: 10 }, pending));
    expect(await failureOf(client({ timeoutMs: 300, maxWaitMs: 1_000 }).transparentStatement('9.9'))).toMatchObject({ code: 'TS_TIMEOUT' });
    expect(service.requests.length).toBeLessThan(3);
  });
});

describe('entry ids and sequence numbers', () => {
  it('reads the embedded ledger\'s decimal ids and CCF\'s view.seqno, and nothing else', () => {
    expect([sequenceNumberOf('0'), sequenceNumberOf('41'), sequenceNumberOf('2.17'), sequenceNumberOf('07'), sequenceNumberOf('abc'), sequenceNumberOf('1.2.3')]).toEqual([0, 41, 17, undefined, undefined, undefined]);
    expect([viewOf('2.17'), viewOf('17')]).toEqual([2, undefined]);
  });
});
