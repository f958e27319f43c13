import { mkdtempSync, rmSync } from 'node:fs';
import { globalAgent, createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCountersignError } from '@countersign/core';
import { issueNodeCertificate, loadOrCreateServiceIdentity, type ServiceIdentity } from '@countersign/ledger';
import { CODE_TRANSPARENCY_API_VERSION, defaultApiVersion } from '../src/transparency/api-version.js';
import { ScrapiClient } from '../src/transparency/scrapi-client.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A loopback HTTPS server whose certificate `issuer` issued; it counts connections, handshakes and requests. */
class TlsService {
  connections = 0;
  readonly requests: Array<{ target: string; authorization?: string }> = [];
  private script: Handler[] = [];
  private readonly server: Server;
  url = '';

  constructor(issuer: ServiceIdentity) {
    this.server = createServer(issueNodeCertificate(issuer, ['127.0.0.1']), (request, response) => {
      this.requests.push({ target: request.url ?? '', authorization: request.headers.authorization });
      request.resume();
      request.on('end', () => (this.script.shift() ?? ((_, res) => res.writeHead(500).end()))(request, response));
    });
    this.server.on('connection', () => this.connections++);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(...handlers: Handler[]): void {
    this.script = handlers;
    this.requests.length = 0;
    this.connections = 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const RECEIPT = Uint8Array.of(0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40);
const statement = Uint8Array.of(0xd2, 0x84);
const TOKEN = 'pinning-test-token';
const scratch = mkdtempSync(join(tmpdir(), 'countersign-pinning-'));
let ccfIdentity: ServiceIdentity;
let publicCa: ServiceIdentity;
let ccf: TlsService; // vouched for by its own service identity, as a CCF service is
let publicHost: TlsService; // vouched for by a CA in the process-wide store, as a public host is
// The agent's options override a request's own (Node spreads them last), so a key left behind, even
// as undefined, would take the `ca` away from every later request in this worker: restore it exactly.
const hadStore = Object.hasOwn(globalAgent.options, 'ca');
const storeBefore = globalAgent.options.ca;

beforeAll(async () => {
  ccfIdentity = await loadOrCreateServiceIdentity(join(scratch, 'ccf'));
  publicCa = await loadOrCreateServiceIdentity(join(scratch, 'public'));
  // The process-wide trust store stands for the public CAs: here it holds the second CA only.
  globalAgent.options.ca = publicCa.certificatePem;
  ccf = new TlsService(ccfIdentity);
  publicHost = new TlsService(publicCa);
  await Promise.all([ccf.start(), publicHost.start()]);
});

afterAll(async () => {
  if (hadStore) globalAgent.options.ca = storeBefore;
  else delete globalAgent.options.ca;
  globalAgent.destroy();
  await Promise.all([ccf.stop(), publicHost.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

const client = (url: string, options: { serviceIdentity?: string; apiVersion?: string } = {}): ScrapiClient =>
  new ScrapiClient({ url, token: TOKEN, timeoutMs: 10_000, pollIntervalMs: 10, maxWaitMs: 100, maxRetries: 3, ...options });

async function failure(promise: Promise<unknown>): Promise<{ area: string; code: string }> {
  try {
    await promise;
  } catch (error) {
    if (isCountersignError(error)) return { area: error.area, code: error.code };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('a pinned service identity', () => {
  it('vouches for its own host, while a host named by a Location keeps the process-wide store, without the token', async () => {
    ccf.answer((_, res) => res.writeHead(303, { location: `${publicHost.url}/entries/7` }).end());
    publicHost.answer((_, res) => res.writeHead(200, { 'content-type': 'application/scitt-receipt+cose' }).end(RECEIPT));
    const pinned = client(ccf.url, { serviceIdentity: ccfIdentity.certificatePem, apiVersion: CODE_TRANSPARENCY_API_VERSION });
    try {
      expect(await pinned.register(statement)).toEqual({ entryId: '7', receipt: RECEIPT });
    } finally {
      pinned.close();
    }
    expect(ccf.requests).toEqual([{ target: `/entries?api-version=${CODE_TRANSPARENCY_API_VERSION}`, authorization: `Bearer ${TOKEN}` }]);
    // Another origin gets neither the token nor the service's api-version.
    expect(publicHost.requests).toEqual([{ target: '/entries/7', authorization: undefined }]);
  });

  it('is the only trust for its host: a certificate the process-wide store accepts is refused there', async () => {
    publicHost.answer();
    const pinnedElsewhere = client(publicHost.url, { serviceIdentity: ccfIdentity.certificatePem });
    try {
      expect(await failure(pinnedElsewhere.register(statement))).toEqual({ area: 'transparency', code: 'TS_TLS' });
    } finally {
      pinnedElsewhere.close();
    }
    expect(publicHost.requests).toHaveLength(0);
  });
});

describe('without the service identity', () => {
  it('fails with TS_TLS after one connection, though retries are allowed, and does not connect again', async () => {
    ccf.answer();
    const unpinned = client(ccf.url);
    expect(await failure(unpinned.register(statement))).toEqual({ area: 'transparency', code: 'TS_TLS' });
    expect(ccf.connections).toBe(1);
    expect(await failure(unpinned.serviceKeys())).toEqual({ area: 'transparency', code: 'TS_TLS' });
    expect(ccf.connections).toBe(1);
    expect(ccf.requests).toHaveLength(0);
  });

  it('refuses an identity that is not a certificate, and one for a plain-http service', () => {
    expect(() => client(ccf.url, { serviceIdentity: 'not a certificate' })).toThrow(expect.objectContaining({ code: 'STEP_INPUT_UNREADABLE' }));
    expect(() => client('http://127.0.0.1:1', { serviceIdentity: ccfIdentity.certificatePem })).toThrow(expect.objectContaining({ code: 'STEP_USAGE' }));
  });
});

describe('the default api-version', () => {
  it('is the Code Transparency GA version for MST hosts and none elsewhere', () => {
    expect(defaultApiVersion(new URL('https://example.confidential-ledger.azure.com'))).toBe('2026-03-26');
    expect(defaultApiVersion(new URL('https://example.confidential-ledger.azure.com.evil.test'))).toBeUndefined();
    expect(defaultApiVersion(new URL('https://127.0.0.1:8000'))).toBeUndefined();
  });
});
