import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '@countersign/core';
import { countersign, expectOneLineError, scratchDir } from './cli-harness.js';
import { RawConnection, rawRequest, residentBytes, type RawResponse } from './raw-http-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

// Hostile clients against `countersign serve` with small limits. Every wait is bounded; none is asserted.
const { dir, cleanup } = scratchDir('adversarial');
afterAll(cleanup);

const MiB = 1024 * 1024;
const PUBLIC_URL = 'https://ledger.example/scitt';
const MAX_CONNECTIONS = 48;
const BUDGET = 3 * MiB; // three unfinished statements of the largest size (1 MiB)
const LIMITS = ['--headers-timeout', '1', '--request-timeout', '6', '--body-timeout', '1', '--keep-alive-timeout', '2', '--max-connections', String(MAX_CONNECTIONS), '--max-pending-bytes', String(BUDGET)];
const LEDGER = join(dir, 'ledger');
const BOUND_MS = 10_000;

const problemOf = (response: RawResponse | undefined): Map<number, string> => {
  expect(response?.headers['content-type']).toBe('application/concise-problem-details+cbor');
  return decode(new Uint8Array(response!.body)) as Map<number, string>;
};

const get = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;

let server: RunningServer;
/** What the ledger acknowledged before any attack: it must be served unchanged after every one. */
const acknowledged: { treeHead: Buffer; receipts: Map<string, Buffer> } = { treeHead: Buffer.alloc(0), receipts: new Map() };

async function fetchBytes(path: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(BOUND_MS) });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

beforeAll(async () => {
  const key = join(dir, 'signer.pem');
  expect(countersign(['keygen', '--out', key, '--self-signed-cert', 'Adversarial Test Signer']).status).toBe(0);
  const artifacts = [0, 1, 2].map((i) => {
    const path = join(dir, `artifact-${i}.txt`);
    writeFileSync(path, `artifact ${i}`);
    return path;
  });
  expect(countersign(['sign', ...artifacts, '--key', key, '--x5chain', join(dir, 'signer.crt.pem')]).status).toBe(0);
  server = await startServer(['--data', LEDGER, '--public-url', PUBLIC_URL, ...LIMITS]);
  const logged = countersign(['log', ...artifacts.map((path) => `${path}.cose`), '--service', server.url, '--json']);
  expect(logged.status).toBe(0);
  for (const { entryId } of JSON.parse(logged.stdout) as Array<{ entryId: string }>) {
    const receipt = await fetchBytes(`/entries/${entryId}`);
    expect(receipt.status).toBe(200);
    acknowledged.receipts.set(entryId, receipt.bytes);
  }
  const head = await fetchBytes('/log/tree-head');
  expect(head.status).toBe(200);
  acknowledged.treeHead = head.bytes;
});

// After each hostile run: nothing it did was the server's fault, and a restart on the same directory
// serves the same tree head and every acknowledged receipt.
afterEach(async () => {
  expect(await server.stop()).toBe(0);
  expect(server.stderr()).not.toMatch(/internal error/);
  server = await startServer(['--data', LEDGER, '--public-url', PUBLIC_URL, ...LIMITS]);
  expect(await fetchBytes('/log/tree-head')).toEqual({ status: 200, bytes: acknowledged.treeHead });
  for (const [entryId, receipt] of acknowledged.receipts) expect(await fetchBytes(`/entries/${entryId}`)).toEqual({ status: 200, bytes: receipt });
});

afterAll(async () => {
  await server?.stop();
});

it('answers malformed paths and tree sizes with 400 problem details, and keeps serving', async () => {
  const targets = [
    '/entries/%ZZ',
    '/entries/%ZZ/statement',
    '/entries/%E0%A4%A',
    '/operations/%ZZ',
    '/log/consistency?to=abc',
    '/log/consistency?from=1&to=abc',
    '/log/consistency?from=1e3',
    '/log/consistency?from=-1',
    '/log/consistency?from=0x1',
    '/log/consistency?from=',
    '/log/consistency',
  ];
  for (const target of targets) {
    const response = await rawRequest(server.url, get(target));
    expect({ target, status: response?.status }).toEqual({ target, status: 400 });
    expect(problemOf(response).get(-1)).toBe('Bad Request');
  }
  expect((await rawRequest(server.url, get('/log/consistency?from=1&to=3')))?.status).toBe(200);
  expect((await fetchBytes('/log/tree-head')).bytes).toEqual(acknowledged.treeHead);
});

it('answers wrong methods, wrong content types and oversized bodies at once, then closes instead of reading the body', async () => {
  const oneMiB = `Content-Length: ${MiB}\r\n`;
  const cases: Array<{ head: string; status: number; allow?: string }> = [
    { head: `POST /jwks HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\n${oneMiB}\r\n`, status: 405, allow: 'GET' },
    { head: `PUT /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\n${oneMiB}\r\n`, status: 405, allow: 'POST' },
    { head: `POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${oneMiB}\r\n`, status: 415 },
    { head: `POST /entries HTTP/1.1\r\nHost: x\r\n${oneMiB}\r\n`, status: 415 },
    { head: `POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: ${2 * MiB}\r\n\r\n`, status: 413 },
  ];
  for (const { head, status, allow } of cases) {
    const connection = await RawConnection.open(server.url);
    await connection.write(head);
    await connection.write(Buffer.alloc(256 * 1024, 0x41)); // a quarter of the body; the rest never comes
    const response = await connection.waitForResponse(BOUND_MS);
    expect(response?.status).toBe(status);
    expect(response?.headers.connection).toBe('close');
    if (allow) expect(response?.headers.allow).toBe(allow);
    problemOf(response);
    expect(await connection.waitForClose(BOUND_MS)).toBe(true);
  }
  // A chunked body has no length to refuse up front: it is cut off where it passes the statement limit.
  const chunked = await RawConnection.open(server.url);
  await chunked.write('POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunk = Buffer.concat([Buffer.from(`${(256 * 1024).toString(16)}\r\n`), Buffer.alloc(256 * 1024, 0x42), Buffer.from('\r\n')]);
  for (let i = 0; i < 8 && !chunked.response; i++) await chunked.write(chunk);
  const refused = await chunked.waitForResponse(BOUND_MS);
  expect(refused?.status).toBe(413);
  expect(await chunked.waitForClose(BOUND_MS)).toBe(true);
});

it('sheds half-sent uploads past the body memory budget with 503 and Retry-After, stays small and answers others, then times the held ones out with 408', async () => {
  const baseline = residentBytes(server.child.pid!);
  const uploads = 40; // 40 MiB of bodies were they all held; the budget holds 3
  const head = `POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: ${MiB}\r\n\r\n`;
  const connections = await Promise.all(Array.from({ length: uploads }, () => RawConnection.open(server.url)));
  await Promise.all(connections.map(async (connection) => {
    await connection.write(head);
    await connection.write(Buffer.alloc(MiB - 1024, 0x43));
  }));
  // The held uploads keep trickling, so they stay held while the others are checked.
  let trickles = 0;
  const trickle = setInterval(() => {
    if (++trickles > 16) return clearInterval(trickle);
    for (const connection of connections) if (!connection.response) void connection.write('C');
  }, 200);
  try {
    await Promise.all(connections.map((connection) => connection.waitForResponse(1_000)));
    const shed = connections.filter((connection) => connection.response);
    expect(shed).toHaveLength(uploads - BUDGET / MiB);
    for (const connection of shed) {
      expect(connection.response?.status).toBe(503);
      expect(connection.response?.headers['retry-after']).toBe('1');
      expect(problemOf(connection.response).get(-1)).toBe('Service Unavailable');
    }
    expect(residentBytes(server.child.pid!) - baseline).toBeLessThan(24 * MiB);
    expect((await fetchBytes('/log/tree-head')).bytes).toEqual(acknowledged.treeHead);
    expect((await fetchBytes('/jwks')).status).toBe(200);
  } finally {
    clearInterval(trickle);
  }
  const held = connections.filter((connection) => connection.response?.status !== 503);
  expect(held).toHaveLength(BUDGET / MiB);
  for (const connection of held) {
    const response = await connection.waitForResponse(BOUND_MS);
    expect(response?.status).toBe(408);
    expect(problemOf(response).get(-1)).toBe('Request Timeout');
    expect(await connection.waitForClose(BOUND_MS)).toBe(true);
  }
  // The budget is whole again.
  const statement = await fetchBytes('/entries/0/statement');
  const again = await fetch(`${server.url}/entries`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: statement.bytes, signal: AbortSignal.timeout(BOUND_MS) });
  expect(again.status).toBe(201);
});

it('answers stalled headers with 408, and closes connections past the cap unanswered', async () => {
  const connections = await Promise.all(Array.from({ length: MAX_CONNECTIONS + 1 }, () => RawConnection.open(server.url)));
  await Promise.all(connections.map((connection) => connection.write('GET /jwks HTTP/1.1\r\nHost: x\r\n')));
  await Promise.all(connections.map((connection) => connection.waitForClose(BOUND_MS)));
  const unanswered = connections.filter((connection) => connection.bytesReceived === 0);
  expect(unanswered).toHaveLength(1);
  for (const connection of connections) {
    expect(connection.closed).toBe(true);
    if (connection.bytesReceived === 0) continue;
    expect(connection.response?.status).toBe(408);
    expect(problemOf(connection.response).get(-1)).toBe('Request Timeout');
  }
  expect((await fetchBytes('/jwks')).status).toBe(200);
});

it('leaves a stalled body after the headers to the body timeout, and an abandoned upload unreported', async () => {
  const stalled = await RawConnection.open(server.url);
  await stalled.write(`POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\nContent-Length: 1000\r\n\r\n`);
  expect((await stalled.waitForResponse(BOUND_MS))?.status).toBe(408);
  for (const framing of ['Content-Length: 1000\r\n', 'Transfer-Encoding: chunked\r\n']) {
    const abandoned = await RawConnection.open(server.url);
    await abandoned.write(`POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\n${framing}\r\n${framing.startsWith('Transfer') ? '10\r\n' : ''}0123456789`);
    abandoned.destroy();
  }
  // afterEach finds no internal error in the server's log once it has stopped.
  expect((await fetchBytes('/jwks')).status).toBe(200);
});

it('names its configured public URL in the configuration, whatever Host the request gives', async () => {
  const forged = await rawRequest(server.url, get('/.well-known/transparency-configuration', 'X-Forwarded-Host: evil.example\r\n').replace('Host: 127.0.0.1', 'Host: evil.example'));
  expect(forged?.status).toBe(200);
  const config = decode(new Uint8Array(forged!.body)) as Map<string, string>;
  expect(config.get('jwks_uri')).toBe(`${PUBLIC_URL}/jwks`);
  expect(config.get('registration_endpoint')).toBe(`${PUBLIC_URL}/entries`);
  const unconfigured = await startServer(['--data', join(dir, 'ledger-default-url')]);
  try {
    const answer = await rawRequest(unconfigured.url, get('/.well-known/transparency-configuration').replace('Host: 127.0.0.1', 'Host: evil.example'));
    expect((decode(new Uint8Array(answer!.body)) as Map<string, string>).get('jwks_uri')).toBe(`${unconfigured.url}/jwks`);
  } finally {
    expect(await unconfigured.stop()).toBe(0);
  }
});

it('refuses limits and public URLs that cannot work with one line and exit 2', () => {
  const serve = (...args: string[]) => countersign(['serve', '--data', join(dir, 'ledger-never'), '--port', '0', ...args]);
  for (const [args, pattern] of [
    [['--headers-timeout', '0'], /--headers-timeout must be a number of seconds/],
    [['--body-timeout', 'soon'], /--body-timeout must be a number of seconds/],
    [['--keep-alive-timeout', '1e3'], /--keep-alive-timeout must be a number of seconds/],
    [['--headers-timeout', '5', '--request-timeout', '2'], /headers timeout must not be longer than the request timeout/],
    [['--max-connections', '0'], /--max-connections must be a positive integer/],
    [['--max-pending-bytes', '1000'], /pending bodies must hold at least one statement/],
    [['--public-url', 'ftp://ledger.example'], /must be http or https/],
    [['--public-url', 'https://user:secret@ledger.example'], /must not carry credentials/],
    [['--public-url', 'https://ledger.example/?from=host'], /must not have a query or fragment/],
    [['--public-url', 'ledger.example'], /is not an absolute URL/],
  ] as Array<[string[], RegExp]>) {
    expectOneLineError(serve(...args), 2, pattern);
  }
});
