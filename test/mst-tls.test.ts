import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parsePolicy } from '@countersign/core';
import { countersign, countersignAsync, expectOneLineError, scratchDir, type CliRun } from './cli-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

// countersign serve --tls stands for MST as it runs: a TLS certificate its service identity issued,
// not a public CA. The identity service (GET /ledgerIdentity/NAME) is a plain-http stand-in on loopback.
const { dir, cleanup } = scratchDir('mst-tls');
const TOKEN = 'mst-tls-test-token-9f8e7d6c5b4a';
const EMULATOR_TOKEN = 'countersign-key-vault-emulator';
let server: RunningServer;
let identityPath: string;
let identityPem: string;
let identityService: Server;
let identityServiceUrl: string;
const identityRequests: string[] = [];
let statement: string;
let artifact: string;
let issuer: string;
let marks = 0;

beforeAll(async () => {
  expect(countersign(['keygen', '--out', join(dir, 'key.pem'), '--self-signed-cert', 'Release Signing']).status).toBe(0);
  artifact = join(dir, 'app.txt');
  writeFileSync(artifact, 'release bytes\n');
  const signed = countersign(['sign', artifact, '--key', join(dir, 'key.pem'), '--x5chain', join(dir, 'key.crt.pem'), '--json']);
  expect(signed.status).toBe(0);
  const [first] = JSON.parse(signed.stdout) as Array<{ statementPath: string; issuer: string }>;
  statement = first!.statementPath;
  issuer = first!.issuer;

  server = await startServer(['--tls', '--access-log', '--data', join(dir, 'ledger')]);
  identityPath = server.identity as string;
  identityPem = readFileSync(identityPath, 'utf8');
  identityService = createServer((request, response) => {
    identityRequests.push(request.url ?? '');
    if (request.url !== '/ledgerIdentity/test-ledger') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ledgerId: 'test-ledger', ledgerTlsCertificate: identityPem }));
  });
  await new Promise<void>((resolve) => identityService.listen(0, '127.0.0.1', resolve));
  identityServiceUrl = `http://127.0.0.1:${(identityService.address() as AddressInfo).port}/ledgerIdentity/test-ledger`;
});

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => identityService?.close(resolve));
  cleanup();
});

const accessLines = (log: string): string[] => log.split('\n').filter((line) => line.startsWith('access: '));

/**
 * What the server logged since the last mark. A request of the test's own (trusting the identity)
 * ends the stretch: the server logs it after everything the CLI run before it caused.
 */
async function serverLogSinceLastMark(): Promise<string[]> {
  const previous = `marker=${marks}`;
  const mark = `marker=${++marks}`;
  await new Promise<void>((resolve, reject) => {
    const url = new URL(`/jwks?${mark}`, server.url);
    httpsRequest(url, { ca: identityPem, agent: false }, (response) => response.resume().on('end', resolve)).on('error', reject).end();
  });
  for (let polls = 0; polls < 400 && !server.stderr().includes(`${mark} `); polls++) await sleep(25);
  const lines = accessLines(server.stderr());
  const start = lines.findIndex((line) => line.includes(`${previous} `));
  const end = lines.findIndex((line) => line.includes(`${mark} `));
  expect(end).toBeGreaterThan(-1);
  return lines.slice(start + 1, end);
}

const handshakeFailures = (lines: string[]): number => lines.filter((line) => line.includes('TLS handshake failed')).length;

function expectNoToken(run: CliRun, token: string): void {
  expect(run.stdout).not.toContain(token);
  expect(run.stderr).not.toContain(token);
  expect(server.stderr()).not.toContain(token);
}

describe('without the service identity', () => {
  beforeAll(() => serverLogSinceLastMark());

  it('log stops at the first handshake with a one-line reason naming --service-identity (exit 2), no retry', async () => {
    const run = await countersignAsync(['log', statement, '--service', server.url, '--out', join(dir, 'refused')]);
    expectOneLineError(run, 2, /--service-identity/);
    const lines = await serverLogSinceLastMark();
    expect(handshakeFailures(lines)).toBe(1);
    expect(lines).toHaveLength(1);
  });

  it('trust add-service --url does the same, and leaves the policy as it was', async () => {
    const policy = join(dir, 'refused-trust.json');
    expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
    const before = readFileSync(policy, 'utf8');
    const run = await countersignAsync(['trust', 'add-service', '--policy', policy, '--url', server.url]);
    expectOneLineError(run, 2, /--service-identity/);
    expect(handshakeFailures(await serverLogSinceLastMark())).toBe(1);
    expect(readFileSync(policy, 'utf8')).toBe(before);
  });
});

describe('with --service-identity', () => {
  it('log registers; COUNTERSIGN_TOKEN reaches the server and no log; the api-version given is sent', async () => {
    const run = await countersignAsync(['log', statement, '--service', server.url, '--service-identity', identityPath, '--api-version', '2026-03-26', '--out', join(dir, 'pinned')], {
      env: { COUNTERSIGN_TOKEN: TOKEN, COUNTERSIGN_DEBUG: '1' },
    });
    expect(run.status).toBe(0);
    const lines = await serverLogSinceLastMark();
    expect(lines).toEqual(['access: POST /entries?api-version=2026-03-26 authorization=present']);
    expectNoToken(run, TOKEN);
  });

  it('sends no api-version to a host that is not MST unless told, and a token from --azure-credential', async () => {
    const run = await countersignAsync(['log', statement, '--service', server.url, '--service-identity', identityPath, '--azure-credential', 'emulator', '--out', join(dir, 'credential')]);
    expect(run.status).toBe(0);
    expect(await serverLogSinceLastMark()).toEqual(['access: POST /entries authorization=present']);
    expectNoToken(run, EMULATOR_TOKEN);
  });

  it('refuses a service identity file that is not a certificate (exit 2) before connecting', async () => {
    const notCertificate = join(dir, 'not-a-certificate.pem');
    writeFileSync(notCertificate, '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n');
    expect(countersign(['trust', 'init', '--out', join(dir, 'unused.json')]).status).toBe(0);
    for (const args of [
      ['log', statement, '--service', server.url, '--service-identity', notCertificate],
      ['trust', 'add-service', '--policy', join(dir, 'unused.json'), '--url', server.url, '--service-identity', notCertificate],
    ]) {
      expectOneLineError(await countersignAsync(args), 2, /not a certificate/);
    }
    expect(await serverLogSinceLastMark()).toEqual([]);
  });
});

describe('with the identity fetched from the identity service', () => {
  const policy = join(dir, 'trust.json');

  it('trust add-service stores it with the service, and later runs given the policy need no fetch', async () => {
    expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
    expect(countersign(['trust', 'add-issuer', '--policy', policy, '--iss', issuer]).status).toBe(0);
    const added = await countersignAsync(['trust', 'add-service', '--policy', policy, '--url', server.url, '--service-identity-url', identityServiceUrl]);
    expect(added.status).toBe(0);
    expect(identityRequests).toEqual(['/ledgerIdentity/test-ledger']);
    const [service] = parsePolicy(readFileSync(policy, 'utf8')).services;
    expect(service?.url).toBe(server.url);
    expect(service?.serviceIdentity).toBe(identityPem);

    const logged = await countersignAsync(['log', statement, '--service', server.url, '--trust', policy]);
    expect(logged.status).toBe(0);
    const head = await countersignAsync(['ledger', 'tree-head', '--service', server.url, '--trust', policy, '--json']);
    expect(head.status).toBe(0);
    expect(JSON.parse(head.stdout)).toMatchObject({ keyPinned: true });
    expect(identityRequests).toHaveLength(1);
    expect(handshakeFailures(await serverLogSinceLastMark())).toBe(0);

    expect(countersign(['verify', artifact, '--statement', statement, '--trust', policy]).status).toBe(0);
  });

  it('an identity document that is not there stops the command (exit 2) before the service is reached', async () => {
    const run = await countersignAsync(['trust', 'add-service', '--policy', policy, '--url', server.url, '--service-identity-url', identityServiceUrl.replace('test-ledger', 'other')]);
    expectOneLineError(run, 2, /identity service/);
    expect(await serverLogSinceLastMark()).toEqual([]);
  });
});
