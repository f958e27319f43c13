import { encode, isCountersignError } from '@countersign/core';
import { ScrapiClient } from '../src/transparency/scrapi-client.js';
import { RECEIPT, receipt, ScriptedService, status, type Handler } from './scripted-service.js';

// Two loopback servers on two ports are two origins: `service` is the one configured, `elsewhere`
// is any other host a Location, a redirect or a jwks_uri may name.
const service = new ScriptedService();
const elsewhere = new ScriptedService();
beforeAll(() => Promise.all([service.start(), elsewhere.start()]));
afterAll(() => Promise.all([service.stop(), elsewhere.stop()]));

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.c2VjcmV0.tok3n-_~+/=';
const client = (token: string = TOKEN): ScrapiClient => new ScrapiClient({ url: service.url, token, timeoutMs: 5_000, pollIntervalMs: 10, maxWaitMs: 200, maxRetries: 0 });
const statement = Uint8Array.of(0xd2, 0x84);
const cbor = (fields: Record<string, string>, code = 200, headers: Record<string, string> = {}): Handler =>
  status(code, { 'content-type': 'application/cbor', ...headers }, encode(new Map(Object.entries(fields))));
const authorizations = (server: ScriptedService): Array<string | undefined> => server.requests.map((request) => request.headers.authorization);

function script(configured: Handler[], other: Handler[]): void {
  service.answer(...configured);
  elsewhere.answer(...other);
}

function refusal(make: () => unknown): { area: string; code: string; message: string } {
  try {
    make();
  } catch (error) {
    if (isCountersignError(error)) return { area: error.area, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the bearer token goes only to the configured origin', () => {
  it('is sent to the configured service, trimmed of the newline a token file ends with', async () => {
    script([receipt('1')], []);
    expect((await client(`${TOKEN}\n`).register(statement)).entryId).toBe('1');
    expect(authorizations(service)).toEqual([`Bearer ${TOKEN}`]);
  });

  it('is not sent where a 303 after registration points on another origin', async () => {
    script([status(303, { location: `${elsewhere.url}/entries/9` })], [status(200, {}, RECEIPT)]);
    expect(await client().register(statement)).toEqual({ entryId: '9', receipt: RECEIPT });
    expect(authorizations(service)).toEqual([`Bearer ${TOKEN}`]);
    expect(elsewhere.requests).toHaveLength(1);
    expect(authorizations(elsewhere)).toEqual([undefined]);
  });

  it('is decided again at every hop while polling: withheld from the other origin, sent when a redirect comes back', async () => {
    script(
      [status(303, { location: '/entries/5' }), status(302, { location: `${elsewhere.url}/entries/5`, 'retry-after': '0' }), status(200, {}, RECEIPT)],
      [status(302, { location: `${service.url}/entries/5`, 'retry-after': '0' })],
    );
    expect((await client().register(statement)).entryId).toBe('5');
    expect(service.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /entries', 'GET /entries/5', 'GET /entries/5']);
    expect(authorizations(service)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(authorizations(elsewhere)).toEqual([undefined]);
  });

  it('is not sent to an operation Location on another origin, and is sent again for the entry on the service', async () => {
    script(
      [cbor({ OperationId: 'op', Status: 'running' }, 202, { location: `${elsewhere.url}/operations/op` }), status(200, {}, RECEIPT)],
      [cbor({ OperationId: 'op', Status: 'succeeded', EntryId: '3.4' })],
    );
    expect((await client().register(statement)).entryId).toBe('3.4');
    expect(elsewhere.requests.map((request) => request.url)).toEqual(['/operations/op']);
    expect(authorizations(elsewhere)).toEqual([undefined]);
    expect(authorizations(service)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('is not sent to a jwks_uri on another origin', async () => {
    const jwks = JSON.stringify({ keys: [] });
    script([cbor({ issuer: 'ledger.test', jwks_uri: `${elsewhere.url}/keys` })], [status(200, { 'content-type': 'application/json' }, Buffer.from(jwks))]);
    expect(await client().serviceKeys()).toEqual({ issuer: 'ledger.test', jwks: { keys: [] }, jwksUri: `${elsewhere.url}/keys` });
    expect(authorizations(service)).toEqual([`Bearer ${TOKEN}`]);
    expect(elsewhere.requests.map((request) => request.url)).toEqual(['/keys']);
    expect(authorizations(elsewhere)).toEqual([undefined]);
  });

  it('never lets fetch follow a redirect on its own (which would carry the header along)', async () => {
    script([status(307, { location: `${elsewhere.url}/.well-known/transparency-configuration` })], []);
    const failure = await client().configuration().then(
      () => undefined,
      (error: unknown) => (isCountersignError(error) ? error.code : error),
    );
    expect(failure).toBe('TS_PROTOCOL');
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('a token with a service it must not travel to is refused up front', () => {
  it.each(['http://example.test', 'http://10.0.0.1:8000', 'http://127.0.0.1.example.test', 'http://localhost.example.test', 'http://[::2]:8000'])(
    'refuses a token for plain http on %s',
    (url) => {
      const result = refusal(() => new ScrapiClient({ url, token: TOKEN }));
      expect(result).toMatchObject({ area: 'step', code: 'STEP_USAGE' });
      expect(result.message).not.toContain(TOKEN);
    },
  );

  it.each(['https://example.test', 'http://127.0.0.1:1', 'http://127.8.9.10', 'http://[::1]:8000', 'http://localhost:8000'])('accepts a token for %s', (url) => {
    expect(() => new ScrapiClient({ url, token: TOKEN })).not.toThrow();
  });

  it('accepts plain http anywhere without a token', () => {
    expect(() => new ScrapiClient({ url: 'http://example.test' })).not.toThrow();
  });

  it.each(['two words', 'line\nbreak', 'caf\u00e9', '', '=leading'])('refuses a token that is not a bearer token (%j), without quoting it', (token) => {
    const result = refusal(() => new ScrapiClient({ url: 'https://example.test', token }));
    expect(result).toMatchObject({ area: 'step', code: 'STEP_USAGE' });
    if (token.trim()) expect(result.message).not.toContain(token);
  });

  it('refuses credentials in the service URL without quoting them', () => {
    const result = refusal(() => new ScrapiClient({ url: 'https://user:hunter2@example.test' }));
    expect(result).toMatchObject({ area: 'step', code: 'STEP_USAGE' });
    expect(result.message).not.toContain('hunter2');
  });
});
