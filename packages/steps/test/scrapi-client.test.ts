import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode, isCountersignError } from '@countersign/core';
import { ScrapiClient } from '../src/transparency/scrapi-client.js';
import { RECEIPT, receipt, ScriptedService, status, type Handler } from './scripted-service.js';

const problem = (code: number, title: string, detail: string): Handler =>
  status(code, { 'content-type': 'application/concise-problem-details+cbor' }, encode(new Map<number, string>([[-1, title], [-2, detail]])));
const operation = (fields: Record<string, string | Map<string, string>>, code = 200, headers: Record<string, string> = {}): Handler =>
  status(code, { 'content-type': 'application/cbor', ...headers }, encode(new Map(Object.entries(fields))));
const drop: Handler = (request) => request.socket.destroy();

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isCountersignError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

const service = new ScriptedService();
beforeAll(() => service.start());
afterAll(() => service.stop());
const client = (options: Partial<ConstructorParameters<typeof ScrapiClient>[0]> = {}): ScrapiClient =>
  new ScrapiClient({ url: service.url, timeoutMs: 5_000, pollIntervalMs: 10, maxWaitMs: 200, ...options });
const statement = Uint8Array.of(0xd2, 0x84);

describe('ScrapiClient against scripted services', () => {
  it('takes a 201 receipt and the entry id from Location, sending application/cose', async () => {
    service.answer(receipt('7.42'));
    expect(await client().register(statement)).toEqual({ entryId: '7.42', receipt: RECEIPT });
    expect(service.requests[0]).toMatchObject({ method: 'POST', url: '/entries' });
    expect(service.requests[0]!.headers['content-type']).toBe('application/cose');
  });

  it('follows 303 to the entry and polls while it answers 302', async () => {
    service.answer(status(303, { location: '/entries/abc' }), status(302, { location: '/entries/abc', 'retry-after': '0' }), status(200, { 'content-location': '/entries/9' }, RECEIPT));
    expect(await client().register(statement)).toEqual({ entryId: '9', receipt: RECEIPT });
    expect(service.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /entries', 'GET /entries/abc', 'GET /entries/abc']);
  });

  it('follows the legacy 202 operation flow until it succeeds', async () => {
    service.answer(
      operation({ OperationId: 'op1', Status: 'running' }, 202, { location: '/operations/op1' }),
      operation({ OperationId: 'op1', Status: 'running' }, 202),
      operation({ OperationId: 'op1', Status: 'succeeded', EntryId: '2.17' }),
      status(200, {}, RECEIPT),
    );
    expect(await client().register(statement)).toEqual({ entryId: '2.17', receipt: RECEIPT });
    expect(service.requests.map((request) => request.url)).toEqual(['/entries', '/operations/op1', '/operations/op1', '/entries/2.17']);
  });

  it('reports a failed operation with the service reason', async () => {
    service.answer(operation({ OperationId: 'op2', Status: 'running' }, 202), operation({ OperationId: 'op2', Status: 'failed', Error: new Map([['title', 'Bad Request'], ['detail', 'payload is empty']]) }));
    const result = await failure(client().register(statement));
    expect(result.code).toBe('TS_REFUSED');
    expect(result.message).toContain('Bad Request: payload is empty');
    expect(service.requests[1]!.url).toBe('/operations/op2');
  });

  it('decodes problem details of a refusal', async () => {
    service.answer(problem(400, 'Bad Request', 'CWT claims have no sub'));
    const result = await failure(client().register(statement));
    expect(result).toEqual({ code: 'TS_REFUSED', message: `${service.url} refused registration (400): Bad Request: CWT claims have no sub` });
  });

  it('honours Retry-After on 429 and retries 503 and dropped connections, then succeeds', async () => {
    service.answer(status(429, { 'retry-after': '1' }), status(503), drop, receipt('5'));
    const started = Date.now();
    expect((await client({ maxWaitMs: 2_000 }).register(statement)).entryId).toBe('5');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(service.requests).toHaveLength(4);
  });

  it('gives up after a bounded number of retries, naming the last cause', async () => {
    service.answer(...Array.from({ length: 10 }, () => problem(503, 'Service Unavailable', 'ledger is busy')));
    const result = await failure(client({ maxRetries: 2 }).register(statement));
    expect(result.code).toBe('TS_UNAVAILABLE');
    expect(result.message).toMatch(/after 3 attempts: 503 Service Unavailable: ledger is busy/);
    expect(service.requests).toHaveLength(3);
  });

  it('stops waiting for a service that never finishes, within the deadline', async () => {
    service.answer(...Array.from({ length: 500 }, () => operation({ OperationId: 'slow', Status: 'running' }, 202, { location: '/operations/slow', 'retry-after': '1' })));
    const started = Date.now();
    const result = await failure(client({ timeoutMs: 1_500, maxWaitMs: 1_000 }).register(statement));
    expect(result.code).toBe('TS_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('sends a bearer token when given one and never puts it in messages', async () => {
    service.answer(problem(401, 'Unauthorized', 'token expired'));
    const result = await failure(client({ token: 's3cret-token' }).register(statement));
    expect(service.requests[0]!.headers.authorization).toBe('Bearer s3cret-token');
    expect(result.message).not.toContain('s3cret-token');
  });

  it('refuses answers SCRAPI does not allow', async () => {
    service.answer(status(201, {}, RECEIPT));
    expect((await failure(client().register(statement))).code).toBe('TS_PROTOCOL');
    service.answer(operation({ OperationId: 'x', Status: 'sleeping' }, 202));
    expect((await failure(client().register(statement))).code).toBe('TS_PROTOCOL');
    expect(() => new ScrapiClient({ url: 'ftp://example.test' })).toThrow(/http or https/);
  });

  it('reports an unreachable service as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await failure(new ScrapiClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 3_000, maxRetries: 1, maxWaitMs: 50 }).register(statement));
    expect(result.code).toBe('TS_UNAVAILABLE');
    expect(result.message).toMatch(/ECONNREFUSED/);
  });
});
