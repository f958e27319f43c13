import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  coseKeySetToJwks,
  decode,
  decodeSign1,
  encode,
  encodeSign1,
  HeaderLabel,
  LocalSigner,
  readReceiptSummary,
  receiptsOf,
  rootAt,
  signTreeHead,
  statementEntry,
  type Encodable,
} from '@countersign/core';
import { LedgerStore } from '@countersign/ledger';
import { encodeSeal } from '../packages/ledger/src/service/seal.js';
import { flippedS, reencodings } from '../packages/ledger/test/reencodings.js';
import { countersign, expectOneLineError, scratchDir } from './cli-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

const { dir, cleanup } = scratchDir('ledger');
afterAll(cleanup);

function setUpSigner(): { key: string; chain: string; policy: string } {
  const key = join(dir, 'signer.pem');
  expect(countersign(['keygen', '--out', key, '--self-signed-cert', 'Ledger Test Signer']).status).toBe(0);
  const policy = join(dir, 'trust.json');
  expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
  return { key, chain: join(dir, 'signer.crt.pem'), policy };
}

const signer = setUpSigner();
let artifactCount = 0;

function signedArtifact(): { artifact: string; statement: string } {
  const artifact = join(dir, `artifact-${artifactCount++}.bin`);
  writeFileSync(artifact, `artifact ${artifactCount} ${Math.random()}`);
  const run = countersign(['sign', artifact, '--key', signer.key, '--x5chain', signer.chain, '--json']);
  expect(run.status).toBe(0);
  const { issuer } = (JSON.parse(run.stdout) as Array<{ issuer: string }>)[0]!;
  countersign(['trust', 'add-issuer', '--policy', signer.policy, '--iss', issuer]);
  return { artifact, statement: `${artifact}.cose` };
}

/** GETs a pending entry or operation until it stops being pending (302 / 202), within a bound. */
async function pollUntilDone(url: string): Promise<{ status: number; body: Uint8Array }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(url, { redirect: 'manual' });
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 302 && response.status !== 202) return { status: response.status, body };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} still pending after 50 polls`);
}

describe.each(['sync', 'redirect', 'operation'] as const)('countersign serve --registration %s', (style) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--data', join(dir, `ledger-${style}`), '--registration', style]);
    expect(countersign(['trust', 'add-service', '--policy', signer.policy, '--url', server.url]).status).toBe(0);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('logs statements with the CLI; the receipts verify under the policy', () => {
    const items = [signedArtifact(), signedArtifact(), signedArtifact()];
    const run = countersign(['log', ...items.map((item) => item.statement), '--service', server.url, '--json']);
    expect(run.status).toBe(0);
    const logged = JSON.parse(run.stdout) as Array<{ ok: boolean; entryId: string }>;
    expect(logged.every((item) => item.ok)).toBe(true);
    for (const item of items) {
      const receipts = receiptsOf(readFileSync(item.statement));
      expect(receipts).toHaveLength(1);
      expect(readReceiptSummary(receipts[0]!)).toMatchObject({ vds: 1, tagged: true });
      const verify = countersign(['verify', item.artifact, '--statement', item.statement, '--trust', signer.policy, '--json']);
      expect(verify.status).toBe(0);
      const verdict = JSON.parse(verify.stdout) as { checks: Array<{ name: string; outcome: string; reason: string }> };
      expect(verdict.checks.find((check) => check.name === 'receipts')).toMatchObject({ outcome: 'pass' });
      expect(verdict.checks.find((check) => check.name === 'key-validity')?.reason).toContain('registration time');
    }
  });

  it('gives the same entry to the same statement registered twice', () => {
    const { statement } = signedArtifact();
    const first = countersign(['log', statement, '--service', server.url, '--out', join(dir, `again-${style}-1`), '--json']);
    const second = countersign(['log', statement, '--service', server.url, '--out', join(dir, `again-${style}-2`), '--json']);
    const id = (run: { stdout: string }): string => (JSON.parse(run.stdout) as Array<{ entryId: string }>)[0]!.entryId;
    expect(id(first)).toBe(id(second));
  });

  it('refuses a statement whose payload was altered, with the service reason and exit 1', () => {
    const { statement } = signedArtifact();
    const bytes = Buffer.from(readFileSync(statement));
    const message = decodeSign1(bytes);
    const at = bytes.length - message.signature.length - 3; // a byte of the payload (the digest)
    bytes[at] = (bytes[at] as number) ^ 0x01;
    const tampered = join(dir, `tampered-${style}.cose`);
    writeFileSync(tampered, bytes);
    const run = countersign(['log', tampered, '--service', server.url, '--no-local-check']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^REFUSED .*signature does not verify/);
    expect(run.stdout).not.toMatch(/before sending/);
  });

  it('answers refusals and bad requests with concise problem details', async () => {
    const refused = await fetch(`${server.url}/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(415);
    expect(refused.headers.get('content-type')).toBe('application/concise-problem-details+cbor');
    const problem = decode(new Uint8Array(await refused.arrayBuffer())) as Map<number, string>;
    expect(problem.get(-1)).toBe('Unsupported Media Type');
    expect(problem.get(-2)).toMatch(/application\/cose/);
    const missing = await fetch(`${server.url}/entries/999999`);
    expect(missing.status).toBe(404);
    const oversized = await fetch(`${server.url}/entries`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: new Uint8Array(1024 * 1024 + 1) });
    expect(oversized.status).toBe(413);
    const garbage = await fetch(`${server.url}/entries`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: new Uint8Array([0xd2, 0x84, 0x40]), redirect: 'manual' });
    if (style === 'sync') {
      expect(garbage.status).toBe(400);
      expect((decode(new Uint8Array(await garbage.arrayBuffer())) as Map<number, string>).get(-2)).toMatch(/short|remain/);
      const untagged = readFileSync(signedArtifact().statement).subarray(1);
      const refusedUntagged = await fetch(`${server.url}/entries`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: untagged });
      expect(refusedUntagged.status).toBe(400);
      expect((decode(new Uint8Array(await refusedUntagged.arrayBuffer())) as Map<number, string>).get(-2)).toBe('COSE_Sign1 must carry tag 18');
    } else {
      // Answered before it is checked: the failure comes back from the entry or the operation.
      expect(garbage.status).toBe(style === 'redirect' ? 303 : 202);
      const followed = await pollUntilDone(`${server.url}${garbage.headers.get('location')}`);
      if (style === 'redirect') {
        expect(followed.status).toBe(400);
        expect((decode(followed.body) as Map<number, string>).get(-2)).toMatch(/short|remain/);
      } else {
        const operation = decode(followed.body) as Map<string, unknown>;
        expect(operation.get('Status')).toBe('failed');
        expect((operation.get('Error') as Map<string, string>).get('detail')).toMatch(/short|remain/);
      }
    }
  });

  it('serves the configuration, the keys and the transparent statement', async () => {
    const config = decode(new Uint8Array(await (await fetch(`${server.url}/.well-known/transparency-configuration`)).arrayBuffer())) as Map<string, string>;
    expect(config.get('issuer')).toMatch(/^countersign-ledger-/);
    const jwks = (await (await fetch(config.get('jwks_uri') as string)).json()) as { keys: Array<{ kid: string; crv: string }> };
    expect(jwks.keys[0]).toMatchObject({ crv: 'P-256' });
    const keySet = decode(new Uint8Array(await (await fetch(`${server.url}/.well-known/scitt-keys`)).arrayBuffer())) as Array<Map<number, unknown>>;
    expect(Buffer.from(keySet[0]!.get(2) as Uint8Array).toString()).toBe(jwks.keys[0]!.kid);
    const statement = await fetch(`${server.url}/entries/0/statement`);
    expect(statement.status).toBe(200);
    const message = decodeSign1(new Uint8Array(await statement.arrayBuffer()));
    expect(message.unprotectedHeader.get(HeaderLabel.receipts)).toHaveLength(1);
  });

  it('prints a verified tree head and proves the tree only grows', () => {
    const head = countersign(['ledger', 'tree-head', '--service', server.url, '--trust', signer.policy]);
    expect(head.status).toBe(0);
    const { treeSize, rootHash } = JSON.parse(head.stdout) as { treeSize: number; rootHash: string };
    expect(treeSize).toBeGreaterThanOrEqual(4);
    const { statement } = signedArtifact();
    expect(countersign(['log', statement, '--service', server.url]).status).toBe(0);
    const consistent = countersign(['ledger', 'consistency', '--service', server.url, '--from', String(treeSize), '--root', rootHash]);
    expect(consistent.status).toBe(0);
    expect(consistent.stdout).toMatch(/^consistent: tree of \d+ extends tree of \d+/);
    const forged = countersign(['ledger', 'consistency', '--service', server.url, '--from', String(treeSize), '--root', 'ab'.repeat(32)]);
    expect(forged.status).toBe(1);
  });
});

describe('registration policy of countersign serve', () => {
  it('refuses kid-only statements without a policy, and issuers outside the policy with one', async () => {
    const bare = await startServer(['--data', join(dir, 'ledger-bare')]);
    try {
      const kidOnly = join(dir, 'kid-only.bin');
      writeFileSync(kidOnly, 'kid only');
      expect(countersign(['sign', kidOnly, '--key', signer.key]).status).toBe(0);
      const run = countersign(['log', `${kidOnly}.cose`, '--service', bare.url, '--no-local-check']);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/only a kid cannot be verified/);
      // Without --no-local-check the same refusal comes from countersign itself, before anything is sent.
      const local = countersign(['log', `${kidOnly}.cose`, '--service', 'http://127.0.0.1:1']);
      expect(local.status).toBe(1);
      expect(local.stdout).toMatch(/refused before sending \(the service would refuse it too\): a statement with only a kid/);
    } finally {
      await bare.stop();
    }
    const strictPolicy = join(dir, 'strict.json');
    countersign(['trust', 'init', '--out', strictPolicy]);
    countersign(['trust', 'add-issuer', '--policy', strictPolicy, '--iss', 'did:x509:0:sha256:AAAA::subject:CN:someone-else']);
    const strict = await startServer(['--data', join(dir, 'ledger-strict'), '--policy', strictPolicy]);
    try {
      const { statement } = signedArtifact();
      const run = countersign(['log', statement, '--service', strict.url]);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/may not register/);
    } finally {
      await strict.stop();
    }
  });

  it('refuses a second server on the same ledger directory', async () => {
    const first = await startServer(['--data', join(dir, 'ledger-locked')]);
    try {
      await expect(startServer(['--data', join(dir, 'ledger-locked')])).rejects.toThrow(/locked|LOCK/i);
    } finally {
      await first.stop();
    }
  });

  it('answers a port already in use with one line and exit 2, and leaves the ledger unlocked', async () => {
    const first = await startServer(['--data', join(dir, 'ledger-port-1')]);
    try {
      const port = new URL(first.url).port;
      expectOneLineError(countersign(['serve', '--data', join(dir, 'ledger-port-2'), '--port', port]), 2, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
      const again = await startServer(['--data', join(dir, 'ledger-port-2')]);
      await again.stop();
    } finally {
      await first.stop();
    }
  });

  it('refuses a directory that is not a ledger and leaves it untouched', () => {
    const notLedger = join(dir, 'not-a-ledger');
    countersign(['trust', 'init', '--out', join(notLedger, 'precious.json')]);
    const before = readFileSync(join(notLedger, 'precious.json'));
    const run = countersign(['serve', '--data', notLedger, '--port', '0', '--key', signer.key]);
    expectOneLineError(run, 2, /not a ledger/);
    expect(readFileSync(join(notLedger, 'precious.json'))).toEqual(before);
  });
});

describe('release and trust with a running service', () => {
  it('release --service registers with that service, pins its keys on first meeting, and verifies the receipt', async () => {
    const server = await startServer(['--data', join(dir, 'ledger-release')]);
    try {
      const work = join(dir, 'release-work');
      countersign(['trust', 'init', '--out', join(work, 'placeholder.json')]);
      writeFileSync(join(work, 'app.zip'), 'app');
      const run = countersign(['release', 'app.zip', '--service', server.url, '--json'], { cwd: work });
      expect(run.status).toBe(0);
      const result = JSON.parse(run.stdout) as { entryId: string; service: string; verdict: { verified: boolean } };
      expect(result).toMatchObject({ entryId: '0', service: server.url, verdict: { verified: true } });
      const policy = JSON.parse(readFileSync(join(work, '.countersign/trust.json'), 'utf8')) as { services: Array<{ iss: string }> };
      expect(policy.services.map((service) => service.iss)).toEqual([expect.stringMatching(/^countersign-ledger-/)]);
      expect(countersign(['verify', 'app.zip', '--statement', 'app.zip.cose', '--trust', '.countersign/trust.json'], { cwd: work }).status).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('trust add-service pins a JWK set given as a file; receipts from other keys then fail', async () => {
    const server = await startServer(['--data', join(dir, 'ledger-jwks')]);
    try {
      const { artifact, statement } = signedArtifact();
      expect(countersign(['log', statement, '--service', server.url]).status).toBe(0);
      const config = decode(new Uint8Array(await (await fetch(`${server.url}/.well-known/transparency-configuration`)).arrayBuffer())) as Map<string, string>;
      const jwksFile = join(dir, 'service-jwks.json');
      writeFileSync(jwksFile, await (await fetch(`${server.url}/jwks`)).text());
      const policy = join(dir, 'jwks-trust.json');
      writeFileSync(policy, readFileSync(signer.policy));
      const pinned = countersign(['trust', 'add-service', '--policy', policy, '--iss', config.get('issuer')!, '--jwks', jwksFile]);
      expect(pinned.status).toBe(0);
      expect(countersign(['verify', artifact, '--statement', statement, '--trust', policy]).status).toBe(0);
      const otherKey = join(dir, 'other-service.pem');
      countersign(['keygen', '--out', otherKey]);
      const otherJwks = join(dir, 'other-jwks.json');
      writeFileSync(otherJwks, JSON.stringify({ keys: [createPublicKey(readFileSync(otherKey)).export({ format: 'jwk' })] }));
      expect(countersign(['trust', 'add-service', '--policy', policy, '--iss', config.get('issuer')!, '--jwks', otherJwks]).status).toBe(0);
      const refused = countersign(['verify', artifact, '--statement', statement, '--trust', policy, '--json']);
      expect(refused.status).toBe(1);
      const receipts = (JSON.parse(refused.stdout) as { checks: Array<{ name: string; reason: string }> }).checks.find((check) => check.name === 'receipts');
      expect(receipts?.reason).toMatch(/no trusted service key has kid/);
      // The COSE_KeySet the service serves pins the same key as its JWK set.
      const coseKeys = join(dir, 'service-keys.cbor');
      writeFileSync(coseKeys, new Uint8Array(await (await fetch(`${server.url}/.well-known/scitt-keys`)).arrayBuffer()));
      expect(countersign(['trust', 'add-service', '--policy', policy, '--iss', config.get('issuer')!, '--jwks', coseKeys]).status).toBe(0);
      expect(countersign(['verify', artifact, '--statement', statement, '--trust', policy]).status).toBe(0);
      expectOneLineError(countersign(['trust', 'add-service', '--policy', policy, '--iss', 'x', '--jwks', signer.key]), 2, /neither a JWK set nor a COSE_KeySet/);
      expectOneLineError(countersign(['trust', 'add-service', '--policy', policy, '--url', server.url, '--iss', 'x']), 2, /either --url, or --iss with --jwks/);
    } finally {
      await server.stop();
    }
  });

  it('log answers wrong usage and unreadable statements with exit 2 before registering anything', () => {
    expectOneLineError(countersign(['log', join(dir, 'nothing.cose')]), 2, /--service is required/);
    expectOneLineError(countersign(['log', join(dir, 'nothing.cose'), '--service', 'http://127.0.0.1:1']), 2, /statement not found/);
    expectOneLineError(countersign(['log', join(dir, 'nothing.cose'), '--service', 'not a url']), 2, /is not a URL/);
  });
});

describe('service keys in the trust policy', () => {
  it('stays offline by default, and fetches a rotated key only from jwks_uri when the policy allows', async () => {
    const oldKey = join(dir, 'rotating-1.pem');
    const newKey = join(dir, 'rotating-2.pem');
    countersign(['keygen', '--out', oldKey]);
    countersign(['keygen', '--out', newKey]);
    const data = join(dir, 'ledger-rotating');
    const offline = join(dir, 'offline-trust.json');
    const online = join(dir, 'online-trust.json');
    const { artifact, statement } = signedArtifact(); // before the policies are copied: it trusts the issuer
    const first = await startServer(['--data', data, '--key', oldKey, '--issuer', 'rotating.example']);
    try {
      for (const policy of [offline, online]) {
        writeFileSync(policy, readFileSync(signer.policy));
        expect(countersign(['trust', 'add-service', '--policy', policy, '--url', first.url, ...(policy === online ? ['--fetch-keys'] : [])]).status).toBe(0);
      }
    } finally {
      await first.stop();
    }
    // The same service at the same address (its jwks_uri), now signing with a new key.
    const second = await startServer(['--data', data, '--key', newKey, '--issuer', 'rotating.example', '--port', new URL(first.url).port]);
    try {
      expect(countersign(['log', statement, '--service', second.url]).status).toBe(0);
      const refused = countersign(['verify', artifact, '--statement', statement, '--trust', offline]);
      expect(refused.status).toBe(1);
      expect(refused.stdout).toMatch(/FAIL\s+receipts\s+.*no trusted service key has kid/);
      const accepted = countersign(['verify', artifact, '--statement', statement, '--trust', online]);
      expect(accepted.status).toBe(0);
      expect(accepted.stderr).toContain(`fetched 1 key(s) of rotating.example from ${second.url}/jwks`);
      // the policy file itself is not changed by a fetch
      const pinnedKeys = (JSON.parse(readFileSync(online, 'utf8')) as { services: Array<{ jwks: { keys: unknown[] } }> }).services[0]!.jwks.keys;
      expect(pinnedKeys).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe('service keys of every kind countersign serve signs with', () => {
  it.each(['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256'])('%s: /.well-known/scitt-keys serves the key, and receipts verify with the set pinned', async (alg) => {
    const key = join(dir, `service-${alg}.pem`);
    expect(countersign(['keygen', '--out', key, '--alg', alg]).status).toBe(0);
    const server = await startServer(['--data', join(dir, `ledger-key-${alg}`), '--key', key, '--issuer', `keys-${alg}.example`]);
    try {
      const response = await fetch(`${server.url}/.well-known/scitt-keys`);
      expect(response.status).toBe(200);
      const keySet = new Uint8Array(await response.arrayBuffer());
      const spki = (publicKey: ReturnType<typeof createPublicKey>): Buffer => publicKey.export({ type: 'spki', format: 'der' });
      expect(spki(createPublicKey({ key: coseKeySetToJwks(keySet).keys[0]!, format: 'jwk' }))).toEqual(spki(createPublicKey(readFileSync(key))));
      const { artifact, statement } = signedArtifact();
      const keysFile = join(dir, `service-${alg}-keys.cbor`);
      writeFileSync(keysFile, keySet);
      const policy = join(dir, `keys-${alg}-trust.json`);
      writeFileSync(policy, readFileSync(signer.policy));
      expect(countersign(['trust', 'add-service', '--policy', policy, '--iss', `keys-${alg}.example`, '--jwks', keysFile]).status).toBe(0);
      expect(countersign(['log', statement, '--service', server.url]).status).toBe(0);
      expect(countersign(['verify', artifact, '--statement', statement, '--trust', policy]).status).toBe(0);
    } finally {
      await server.stop();
    }
  });
});

/** The same signed statement with another unprotected header (every other part as signed). */
function withUnprotected(bytes: Uint8Array, entries: Array<[Encodable, Encodable]>): Uint8Array {
  return encodeSign1({ ...decodeSign1(bytes), unprotectedHeader: new Map(entries) as never });
}

/** Well-formed as a receipt (tagged COSE_Sign1, detached payload), signed by nobody. */
const fakeReceipt = encodeSign1({ protectedBytes: encode(new Map([[1, -7]])), unprotectedHeader: new Map(), payload: null, signature: new Uint8Array(64) });

const post = (url: string, body: Uint8Array): Promise<Response> => fetch(`${url}/entries`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body });

/** GETs an entry's transparent statement, checks it carries exactly one receipt, and verifies it with the CLI. */
async function expectServedStatementVerifies(url: string, entryId: string, artifact: string, policy: string): Promise<Uint8Array> {
  const response = await fetch(`${url}/entries/${entryId}/statement`);
  expect(response.status).toBe(200);
  const served = new Uint8Array(await response.arrayBuffer());
  const message = decodeSign1(served);
  expect([...message.unprotectedHeader.keys()]).toEqual([HeaderLabel.receipts]);
  expect(receiptsOf(message)).toHaveLength(1);
  const file = join(dir, `served-${entryId}-${artifactCount++}.cose`);
  writeFileSync(file, served);
  expect(countersign(['verify', artifact, '--statement', file, '--trust', policy]).status).toBe(0);
  return served;
}

describe('a first submitter cannot poison an entry', () => {
  it('refuses junk in label 394 and unsigned key references; what is accepted is served with the ledger receipt only', async () => {
    const server = await startServer(['--data', join(dir, 'ledger-poison')]);
    try {
      const { artifact, statement } = signedArtifact();
      const policy = join(dir, 'poison-trust.json');
      writeFileSync(policy, readFileSync(signer.policy));
      expect(countersign(['trust', 'add-service', '--policy', policy, '--url', server.url]).status).toBe(0);
      const victim = new Uint8Array(readFileSync(statement));
      expect((await post(server.url, withUnprotected(victim, [[HeaderLabel.receipts, [Uint8Array.of(0x00)]]]))).status).toBe(400);
      expect((await post(server.url, withUnprotected(victim, [[HeaderLabel.receipts, 'junk']]))).status).toBe(400);
      expect((await post(server.url, withUnprotected(victim, [[HeaderLabel.kid, Uint8Array.of(1, 2, 3)]]))).status).toBe(400);
      expect((await fetch(`${server.url}/entries/0`)).status).toBe(404);
      // A fake receipt is well-formed: accepted, and dropped.
      const first = await post(server.url, withUnprotected(victim, [[HeaderLabel.receipts, [fakeReceipt]]]));
      expect(first.status).toBe(201);
      expect(first.headers.get('location')).toBe('/entries/0');
      const logged = countersign(['log', statement, '--service', server.url, '--json']);
      expect(logged.status).toBe(0);
      expect((JSON.parse(logged.stdout) as Array<{ entryId: string }>)[0]!.entryId).toBe('0');
      const served = await expectServedStatementVerifies(server.url, '0', artifact, policy);
      expect(receiptsOf(served)[0]).not.toEqual(fakeReceipt);
    } finally {
      await server.stop();
    }
  });

  it('serves a ledger whose stored statements still carry an unprotected header correctly, after restart too', async () => {
    const data = join(dir, 'ledger-old-format');
    const key = join(dir, 'old-format-service.pem');
    expect(countersign(['keygen', '--out', key]).status).toBe(0);
    const serviceKey = LocalSigner.from(readFileSync(key));
    const items = [signedArtifact(), signedArtifact(), signedArtifact()];
    const carried: Array<[Encodable, Encodable]>[] = [
      [[HeaderLabel.receipts, [Uint8Array.of(0xde, 0xad)]]],
      [[HeaderLabel.receipts, [fakeReceipt]]],
      [[HeaderLabel.receipts, 'junk']],
    ];
    // What earlier versions stored: the first submission's bytes, unprotected header and all.
    const late: { store?: LedgerStore } = {};
    late.store = await LedgerStore.open(data, {
      maxBatchDelayMs: 0,
      seal: async (treeSize) => {
        const issuedAt = Math.floor(Date.now() / 1000);
        const head = await signTreeHead({ root: rootAt(treeSize, late.store!), issuer: 'old.example', issuedAt, signer: serviceKey, treeSize });
        return encodeSeal({ ...head, treeSize, issuedAt });
      },
    });
    for (const [i, item] of items.entries()) {
      const bytes = withUnprotected(new Uint8Array(readFileSync(item.statement)), carried[i]!);
      await late.store.append(bytes, statementEntry(bytes));
    }
    await late.store.close();

    const policy = join(dir, 'old-format-trust.json');
    writeFileSync(policy, readFileSync(signer.policy));
    const served: Uint8Array[] = [];
    const first = await startServer(['--data', data, '--key', key, '--issuer', 'old.example']);
    try {
      expect(countersign(['trust', 'add-service', '--policy', policy, '--url', first.url]).status).toBe(0);
      for (const [i, item] of items.entries()) served.push(await expectServedStatementVerifies(first.url, String(i), item.artifact, policy));
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startServer(['--data', data, '--key', key, '--issuer', 'old.example']);
    try {
      for (const [i, item] of items.entries()) expect(await expectServedStatementVerifies(second.url, String(i), item.artifact, policy)).toEqual(served[i]);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

describe('re-encodings of one signed statement', () => {
  it('refuses every non-preferred envelope with 400; the (r, n - s) signature gets its own entry, which verifies', async () => {
    const server = await startServer(['--data', join(dir, 'ledger-reencoded')]);
    try {
      const { artifact, statement } = signedArtifact();
      const policy = join(dir, 'reencoded-trust.json');
      writeFileSync(policy, readFileSync(signer.policy));
      expect(countersign(['trust', 'add-service', '--policy', policy, '--url', server.url]).status).toBe(0);
      const signed = new Uint8Array(readFileSync(statement));
      for (const [, bytes] of reencodings(signed)) expect((await post(server.url, bytes)).status).toBe(400);
      expect((await fetch(`${server.url}/entries/0`)).status).toBe(404);
      const original = await post(server.url, signed);
      expect(original.status).toBe(201);
      const flipped = await post(server.url, flippedS(signed));
      expect(flipped.status).toBe(201);
      expect([original.headers.get('location'), flipped.headers.get('location')]).toEqual(['/entries/0', '/entries/1']);
      expect((await post(server.url, flippedS(signed))).headers.get('location')).toBe('/entries/1');
      await expectServedStatementVerifies(server.url, '1', artifact, policy);
    } finally {
      await server.stop();
    }
  });
});

describe('countersign serve --seal-interval', () => {
  it('signs one tree head for registrations that arrive within one interval; the receipts verify', async () => {
    const server = await startServer(['--data', join(dir, 'ledger-interval'), '--seal-interval', '400']);
    try {
      expect(countersign(['trust', 'add-service', '--policy', signer.policy, '--url', server.url]).status).toBe(0);
      // The first registration may be sealed alone, at once; the others wait out the interval together.
      const items = Array.from({ length: 6 }, () => signedArtifact());
      const run = countersign(['log', ...items.map((item) => item.statement), '--service', server.url, '--concurrency', '6', '--json']);
      expect(run.status).toBe(0);
      const signatures = new Set(items.map((item) => Buffer.from(decodeSign1(receiptsOf(readFileSync(item.statement))[0]!).signature).toString('hex')));
      expect(signatures.size).toBeLessThanOrEqual(2);
      const verify = countersign(['verify', ...items.map((item) => item.artifact), '--trust', signer.policy, '--json']);
      expect(verify.status).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses an interval that is not a whole number of milliseconds up to 10 s', () => {
    for (const value of ['-1', '2.5', '10001', 'soon']) expectOneLineError(countersign(['serve', '--data', join(dir, 'never'), `--seal-interval=${value}`]), 2, /--seal-interval must be a whole number of milliseconds from 0 to 10000/);
  });
});
