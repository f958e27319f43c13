import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isCountersignError } from '@countersign/core';
import { githubIdTokenSource, TOKEN_EXCHANGE_AUDIENCE } from '../src/credentials/github-oidc-assertion.js';
import { rejectionCode } from './error-code.js';

const REQUEST_TOKEN = 'runner-request-token-0123456789';
const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.job-id-token.signature';

/** A stand-in for the runner's ID token endpoint: answers as told and records what it was asked. */
let answer: { status: number; body: string } = { status: 200, body: JSON.stringify({ value: ID_TOKEN }) };
const seen: Array<{ url: string; authorization?: string }> = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_apis/idtoken?api-version=2.0`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function runner(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ACTIONS_ID_TOKEN_REQUEST_URL: base, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN, ...overrides };
}

describe('the GitHub Actions ID token as client assertion', () => {
  it('asks the runner with its request token for the token exchange audience, keeping the query it was given', async () => {
    seen.length = 0;
    answer = { status: 200, body: JSON.stringify({ value: ID_TOKEN }) };
    expect(await githubIdTokenSource(runner(), base)()).toBe(ID_TOKEN);
    expect(seen).toHaveLength(1);
    const asked = new URL(seen[0]!.url, 'http://runner');
    expect(asked.searchParams.get('audience')).toBe(TOKEN_EXCHANGE_AUDIENCE);
    expect(asked.searchParams.get('api-version')).toBe('2.0');
    expect(seen[0]!.authorization).toBe(`Bearer ${REQUEST_TOKEN}`);
  });

  it('without id-token: write (no request token) fails before any request', async () => {
    seen.length = 0;
    expect(await rejectionCode(() => githubIdTokenSource(runner({ ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined }), base)())).toBe('AZURE_CREDENTIAL_UNAVAILABLE');
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['a refusal', { status: 403, body: JSON.stringify({ message: `bad token ${REQUEST_TOKEN}` }) }],
    ['an answer without a token', { status: 200, body: JSON.stringify({ count: 1 }) }],
    ['an answer that is not JSON', { status: 200, body: 'value=' }],
  ])('%s is AZURE_TOKEN_REFUSED, and no token appears in the message', async (_, refusal) => {
    answer = refusal;
    let message = '';
    const code = await rejectionCode(async () => {
      try {
        await githubIdTokenSource(runner(), base)();
      } catch (error) {
        if (isCountersignError(error)) message = error.message;
        throw error;
      }
    });
    expect(code).toBe('AZURE_TOKEN_REFUSED');
    expect(message).not.toContain(REQUEST_TOKEN);
    expect(message).not.toContain(ID_TOKEN);
  });
});
