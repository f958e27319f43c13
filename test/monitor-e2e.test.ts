import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statementEntry } from '@countersign/core';
import { countersign, expectOneLineError, scratchDir, type CliRun } from './cli-harness.js';
import { keygen as keygenIn, release, signAndLog as signAndLogIn, signAndLogMany as signAndLogManyIn, trustPolicy, type Registered, type TestSigner } from './monitor-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

const { dir, cleanup } = scratchDir('monitor');
const at = (name: string): string => join(dir, name);

interface Alert {
  entryId: string | null;
  issuer: string | null;
  subject: string | null;
  digest: string | null;
  registeredAt: string | null;
  kind: string;
  reason: string;
}
interface MonitorJson {
  scanned: number;
  known: number;
  alerts: Alert[];
  treeSize: number | null;
}

const keygen = (name: string, commonName: string): TestSigner => keygenIn(dir, name, commonName);
const signAndLog = (signer: TestSigner, url: string, existing?: string): Registered => signAndLogIn(dir, signer, url, existing);
const signAndLogMany = (signer: TestSigner, url: string, count: number): void => signAndLogManyIn(dir, signer, url, count);

const signer = keygen('release', 'Release Signing');
const outsider = keygen('outsider', 'Someone Else');
const serviceKey = keygen('service', 'Service Key').key;
const policy = at('trust.json');
const lock = at('countersign.lock.json');
const state = at('monitor-state.json');
let server: RunningServer;
let port: string;

const monitor = (extra: string[] = [], stateFile = state): CliRun => countersign(['monitor', '--service', server.url, '--trust', policy, '--lock', lock, '--state', stateFile, ...extra]);
const monitorJson = (extra: string[] = []): { run: CliRun; result: MonitorJson } => {
  const run = monitor(['--json', ...extra]);
  return { run, result: JSON.parse(run.stdout) as MonitorJson };
};

beforeAll(async () => {
  server = await startServer(['--data', at('ledger-a'), '--key', serviceKey, '--issuer', 'ledger.test']);
  port = new URL(server.url).port;
  trustPolicy(policy, signer.issuer, server.url);
});
afterAll(async () => {
  await server?.stop();
  cleanup();
});

describe('countersign monitor against countersign serve', () => {
  const releases: Registered[] = [];
  let rogue: { digest: string; entryId: string };
  let unwatched: { entryId: string };

  it('knows the releases registered through the normal path, with the lockfile updated', () => {
    for (let i = 0; i < 2; i++) releases.push(release(dir, signer, server.url, policy, lock));
    const { run, result } = monitorJson();
    expect(run.status).toBe(0);
    expect(result).toEqual({ scanned: 2, known: 2, alerts: [], treeSize: 2 });
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { lastEntryId: string; lastSequenceNumber: number; treeHead: { treeSize: number; rootHash: string } };
    expect(saved).toMatchObject({ lastEntryId: '1', lastSequenceNumber: 1, treeHead: { treeSize: 2 } });
    expect(saved.treeHead.rootHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves the listing at /entries/txIds, not as an entry id', async () => {
    const listing = await fetch(`${server.url}/entries/txIds`);
    expect(listing.status).toBe(200);
    expect(listing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await listing.json()).toEqual({ transactionIds: ['0', '1'] });
    expect((await fetch(`${server.url}/entries/txIds?from=0&to=2`)).status).toBe(400);
    expect((await fetch(`${server.url}/entries/txIds?from=1x`)).status).toBe(400);
  });

  it('names exactly the entry the release key signed outside a release, and ignores an issuer nobody watches', () => {
    rogue = signAndLog(signer, server.url);
    unwatched = signAndLog(outsider, server.url);
    copyFileSync(state, at('state-copy.json'));
    copyFileSync(state, at('state-before-rogue.json'));
    const { run, result } = monitorJson();
    expect(run.status).toBe(1);
    expect(result.scanned).toBe(2);
    expect(result.known).toBe(0);
    expect(result.treeSize).toBe(4);
    expect(result.alerts).toHaveLength(1);
    const [alert] = result.alerts;
    expect(Object.keys(alert!)).toEqual(['entryId', 'issuer', 'subject', 'digest', 'registeredAt', 'kind', 'reason']);
    expect(alert).toMatchObject({ entryId: rogue.entryId, issuer: signer.issuer, digest: rogue.digest, kind: 'unexpected' });
    expect(alert!.registeredAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(result.alerts.some((entry) => entry.entryId === unwatched.entryId)).toBe(false);

    const lines = monitor([], at('state-copy.json'));
    expect(lines.status).toBe(1);
    const printed = lines.stdout.trim().split('\n');
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(new RegExp(`^${rogue.entryId}  ${signer.issuer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  \\S+  ${rogue.digest}  \\S+  unexpected: `));
  });

  it('reports nothing new on the next run, without reading any entry again', () => {
    const { run, result } = monitorJson();
    expect(run.status).toBe(0);
    expect(result).toEqual({ scanned: 0, known: 0, alerts: [], treeSize: 4 });
  });

  it('--start-at-end: a first run records the end of the log (its verified head) without reading its history; with a state it changes nothing', () => {
    const fresh = at('state-start-at-end.json');
    const first = monitor(['--json', '--start-at-end'], fresh);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ scanned: 0, known: 0, alerts: [], treeSize: 4, startedAtEnd: { skipped: 4, lastEntryId: '3' } });
    const plain = monitor(['--start-at-end'], at('state-plain.json'));
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/started at the end of the log, 4 earlier entries not read \(last: 3\)/);
    expect(JSON.parse(readFileSync(fresh, 'utf8'))).toEqual(JSON.parse(readFileSync(state, 'utf8')));
    const next = monitor(['--json', '--start-at-end'], fresh);
    expect(JSON.parse(next.stdout)).toEqual({ scanned: 0, known: 0, alerts: [], treeSize: 4 });

    const saved = monitor(['--json', '--start-at-end'], at('state-before-rogue.json'));
    expect(saved.status).toBe(1);
    expect((JSON.parse(saved.stdout) as MonitorJson).alerts).toEqual([expect.objectContaining({ entryId: rogue.entryId, kind: 'unexpected' })]);
  });

  it('watches only the issuers named, and a key given with --key whatever issuer its statement claims', () => {
    const run = monitor(['--json', '--issuer', 'nobody', '--key', outsider.keyId], at('state-outsider.json'));
    expect(run.status).toBe(1);
    const result = JSON.parse(run.stdout) as MonitorJson;
    expect(result.scanned).toBe(4);
    expect(result.alerts).toEqual([expect.objectContaining({ entryId: unwatched.entryId, issuer: outsider.issuer, kind: 'unexpected' })]);
    expect(result.alerts[0]!.reason).toContain(`key ${outsider.keyId}`);
  });

  it('calls a second statement for a locked artifact a conflict', () => {
    const resigned = signAndLog(signer, server.url, releases[0]!.file);
    const { run, result } = monitorJson();
    expect(run.status).toBe(1);
    expect(result.alerts).toEqual([expect.objectContaining({ entryId: resigned.entryId, digest: releases[0]!.digest, kind: 'conflict' })]);
  });

  it('takes statements of the known list as ours', () => {
    const extra = signAndLog(signer, server.url);
    const hash = Buffer.from(statementEntry(readFileSync(`${extra.file}.cose`))).toString('hex');
    const known = at('known.txt');
    writeFileSync(known, `# released by hand\n${extra.digest} ${hash}\n`);
    const { run, result } = monitorJson(['--known', known]);
    expect(result).toMatchObject({ scanned: 1, known: 1, alerts: [] });
    expect(run.status).toBe(0);
  });

  it('entries --key lists exactly what that key signed; --issuer and --ca agree; --since bounds it', () => {
    const byKey = countersign(['entries', '--service', server.url, '--key', signer.keyId, '--trust', policy, '--json']);
    expect(byKey.status).toBe(0);
    const listed = JSON.parse(byKey.stdout) as { scanned: number; entries: Array<{ entryId: string; keyId: string; receiptVerified: boolean }>; unreadable: unknown[] };
    const signed = [...releases.map((release) => release.entryId), rogue.entryId, '4', '5'];
    expect(listed.entries.map((entry) => entry.entryId)).toEqual(signed);
    expect(listed.entries.every((entry) => entry.keyId === signer.keyId && entry.receiptVerified)).toBe(true);
    expect(listed.unreadable).toEqual([]);
    const byIssuer = countersign(['entries', '--service', server.url, '--issuer', outsider.issuer]);
    expect(byIssuer.stdout.trim().split('\n').map((line) => line.split('  ')[0])).toEqual([unwatched.entryId]);
    const fingerprint = /did:x509:0:sha256:([^:]+)::/.exec(signer.issuer)![1]!;
    const byCa = countersign(['entries', '--service', server.url, '--ca', fingerprint, '--json']);
    expect((JSON.parse(byCa.stdout) as { entries: Array<{ entryId: string }> }).entries.map((entry) => entry.entryId)).toEqual(signed);
    const future = countersign(['entries', '--service', server.url, '--key', signer.keyId, '--since', '2999-01-01', '--json']);
    expect((JSON.parse(future.stdout) as { entries: unknown[] }).entries).toEqual([]);
  });

  it('answers wrong usage with exit 2 and one line', () => {
    expectOneLineError(countersign(['entries', '--service', server.url, '--key', 'a', '--issuer', 'b']), 2, /exactly one/);
    expectOneLineError(countersign(['entries', '--service', server.url, '--key', 'a', '--since', 'yesterday']), 2, /--since must be an RFC 3339 time/);
    expectOneLineError(countersign(['monitor', '--service', server.url]), 2, /--trust is required/);
    expectOneLineError(countersign(['monitor', '--service', 'http://127.0.0.1:1', '--trust', policy, '--state', state]), 2, /state of .* not of/);
  });

  it('catches a second ledger signed with the same service key but holding other entries (a fork), and keeps the state', async () => {
    const before = readFileSync(state, 'utf8');
    expect(await server.stop()).toBe(0);
    server = await startServer(['--data', at('ledger-b'), '--key', serviceKey, '--issuer', 'ledger.test', '--port', port]);
    signAndLogMany(outsider, server.url, 8);
    const { run, result } = monitorJson();
    expect(run.status).toBe(1);
    expect(result.alerts).toEqual([expect.objectContaining({ entryId: null, kind: 'inconsistent' })]);
    expect(result.alerts[0]!.reason).toMatch(/does not extend the tree of size 6/);
    expect(readFileSync(state, 'utf8')).toBe(before);
    expect(monitorJson().run.status).toBe(1);
  });
});
