import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { countersign, countersignAsync, expectOneLineError, scratchDir } from './cli-harness.js';

const TOKEN = 'ctok-9f8e7d6c5b4a.secret';
const { dir, cleanup } = scratchDir('token');
const artifact = join(dir, 'tool.zip');
const statement = `${artifact}.cose`;

// The configured service answers registration with a 303 to another origin, which holds the receipt.
const seen: Record<'service' | 'elsewhere', Array<{ method: string; authorization: IncomingHttpHeaders['authorization'] }>> = { service: [], elsewhere: [] };
const RECEIPT = Uint8Array.of(0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40);
let elsewhereUrl = '';
const elsewhere = createServer((request, response) => {
  seen.elsewhere.push({ method: request.method ?? '', authorization: request.headers.authorization });
  request.resume();
  response.writeHead(200, { 'content-type': 'application/scitt-receipt+cose' }).end(RECEIPT);
});
const service = createServer((request, response) => {
  seen.service.push({ method: request.method ?? '', authorization: request.headers.authorization });
  request.resume();
  request.on('end', () => response.writeHead(303, { location: `${elsewhereUrl}/entries/7` }).end());
});
const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
let serviceUrl = '';

beforeAll(async () => {
  writeFileSync(artifact, 'release me');
  expect(countersign(['keygen', '--out', join(dir, 'k.pem'), '--self-signed-cert', 'Release Signing']).status).toBe(0);
  expect(countersign(['sign', artifact, '--key', join(dir, 'k.pem'), '--x5chain', join(dir, 'k.crt.pem')]).status).toBe(0);
  [serviceUrl, elsewhereUrl] = await Promise.all([listen(service), listen(elsewhere)]);
});
afterAll(async () => {
  await Promise.all([service, elsewhere].map((server) => new Promise((resolve) => server.close(resolve))));
  cleanup();
});

describe('countersign log with COUNTERSIGN_TOKEN', () => {
  it('refuses a plain-http service on another host with exit 2, one line, and the token nowhere in the output', async () => {
    const before = readFileSync(statement);
    const run = await countersignAsync(['log', statement, '--service', 'http://ledger.example.test'], { env: { COUNTERSIGN_TOKEN: TOKEN, COUNTERSIGN_DEBUG: '1' } });
    expectOneLineError(run, 2, /COUNTERSIGN_TOKEN/);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect(readFileSync(statement).equals(before)).toBe(true);
  });

  it('sends the token to the service and not to the origin its 303 names, and never prints it', async () => {
    const run = await countersignAsync(['log', statement, '--service', serviceUrl, '--json'], { env: { COUNTERSIGN_TOKEN: TOKEN, COUNTERSIGN_DEBUG: '1' } });
    expect(run.status).toBe(0);
    expect(seen.service).toEqual([{ method: 'POST', authorization: `Bearer ${TOKEN}` }]);
    expect(seen.elsewhere).toEqual([{ method: 'GET', authorization: undefined }]);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect((JSON.parse(run.stdout) as Array<{ entryId: string }>)[0]?.entryId).toBe('7');
  });
});
