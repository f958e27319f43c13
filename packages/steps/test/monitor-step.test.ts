import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ccfReceipt, createSignedStatement, embedReceipts, keyIdOf, LocalSigner, SHA256, statementEntry, TransparencyError, type TrustPolicy } from '@countersign/core';
import { TransparencyLedger } from '@countersign/ledger';
import { RecordingHost } from '../src/host.js';
import type { EntryLog } from '../src/monitor/entry-log.js';
import { parseKnownList } from '../src/monitor/expectations.js';
import { sequenceNumberOf } from '../src/transparency/entry-listing.js';
import { entriesFailure, listEntries } from '../src/steps/entries.js';
import { MAX_UNAVAILABLE_ENTRIES, monitorFailure, monitorLog, type MonitorInput } from '../src/steps/monitor.js';
import { certifiedSigner, failureOf, scratch } from './fixtures.js';

const { at, cleanup } = scratch('monitor');
afterAll(cleanup);

const MST = 'mst.example';
const serviceKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
const serviceSigner = LocalSigner.from(serviceKey);
const ours = certifiedSigner();
const theirs = certifiedSigner();
const policy: TrustPolicy = {
  version: 1,
  issuers: [{ iss: ours.issuer }],
  services: [{ iss: MST, jwks: { keys: [{ ...createPublicKey(serviceKey).export({ format: 'jwk' }), kid: serviceSigner.keyId.toString() }] } }],
  receipts: { minimum: 1, requireAllListed: true, ignoreUnlisted: false },
};

/** A CCF service in memory: entries by `view.seqno`, listed from a sequence number, no tree heads. */
class CcfLog implements EntryLog {
  readonly name = 'https://mst.example';
  readonly entries = new Map<string, Uint8Array | Error>();
  listed: string[] | undefined;
  fetched: string[] = [];

  async configuration(): Promise<Map<string, string>> {
    return new Map([['issuer', MST]]);
  }

  async *entryIdPages(range: { from?: number } = {}): AsyncGenerator<string[]> {
    const ids = this.listed ?? [...this.entries.keys()];
    yield ids.filter((id) => range.from === undefined || (sequenceNumberOf(id) as number) >= range.from);
  }

  async transparentStatement(entryId: string): Promise<Uint8Array> {
    this.fetched.push(entryId);
    const entry = this.entries.get(entryId);
    if (entry instanceof Error) throw entry;
    if (!entry) throw new TransparencyError('TS_NOT_FOUND', `no entry ${entryId}`);
    return entry;
  }

  async treeHead(): Promise<Uint8Array> {
    throw new TransparencyError('TS_NOT_FOUND', 'no tree heads here');
  }

  async consistency(): Promise<Uint8Array> {
    throw new TransparencyError('TS_NOT_FOUND', 'no consistency proofs here');
  }
}

let count = 0;
async function statementBy(who: { signer: LocalSigner; chain: Uint8Array[]; issuer: string }, digest = createHash('sha256').update(`artifact ${count++}`).digest()): Promise<{ statement: Uint8Array; digest: string }> {
  const statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: who.issuer, subject: `app-${count}.tgz`, x5chain: who.chain }, who.signer);
  return { statement, digest: `sha256:${digest.toString('hex')}` };
}

/** Registers `statement` at `view.seqno` with a receipt from `signer` (default: the service's key). */
async function register(log: CcfLog, id: string, statement: Uint8Array, signer = serviceSigner, receiptId = id): Promise<void> {
  const [view, seqno] = receiptId.split('.').map(Number) as [number, number];
  const receipt = await ccfReceipt({ signer, issuer: MST, issuedAt: 1_800_000_000, statement, view, seqno, ledger: [new Uint8Array(32)] });
  log.entries.set(id, embedReceipts(statement, [receipt]));
}

function lockFor(path: string, pins: Array<{ digest: string; statement: Uint8Array }>): string {
  const artifacts = Object.fromEntries(pins.map(({ digest, statement }) => [digest, { statementHash: Buffer.from(statementEntry(statement)).toString('hex'), issuer: ours.issuer, subject: 'x', receipts: [] }]));
  writeFileSync(path, JSON.stringify({ version: 1, artifacts }));
  return path;
}

describe('monitor over a CCF service (no tree heads)', () => {
  const log = new CcfLog();
  const state = at('ccf-state.json');
  let lock: string;
  const input = (): MonitorInput => ({ log, serviceUrl: 'https://mst.example', policy, lockfile: lock, statePath: state });
  let release: { statement: Uint8Array; digest: string };

  beforeAll(async () => {
    release = await statementBy(ours);
    lock = lockFor(at('ccf.lock.json'), [release]);
    await register(log, '2.10', release.statement);
  });

  it('knows a release, names the statement no release made, ignores other issuers, and saves where it stopped', async () => {
    const rogue = await statementBy(ours);
    await register(log, '2.11', rogue.statement);
    await register(log, '2.15', (await statementBy(theirs)).statement);
    const host = new RecordingHost();
    const result = await monitorLog(input(), host);
    expect(result).toEqual({ scanned: 3, known: 1, treeSize: null, alerts: [{ entryId: '2.11', issuer: ours.issuer, subject: expect.any(String), digest: rogue.digest, registeredAt: '2027-01-15T08:00:00.000Z', kind: 'unexpected', reason: expect.any(String) }] });
    expect(monitorFailure(result)).toMatchObject({ code: 'STEP_MONITOR_ALERT' });
    expect(host.at('error')).toHaveLength(1);
    expect(host.outputs).toEqual({ scanned: '3', alerts: '1', 'tree-size': '' });
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ version: 1, service: 'https://mst.example', lastEntryId: '2.15', lastSequenceNumber: 15 });
  });

  it('lists again from the last entry read, reads nothing twice, and takes a re-signing as a conflict', async () => {
    log.fetched = [];
    expect(await monitorLog(input(), new RecordingHost())).toMatchObject({ scanned: 0, alerts: [] });
    expect(log.fetched).toEqual([]);
    const resigned = await statementBy(ours, Buffer.from(release.digest.slice('sha256:'.length), 'hex'));
    await register(log, '3.16', resigned.statement);
    const result = await monitorLog(input(), new RecordingHost());
    expect(result.alerts).toEqual([expect.objectContaining({ entryId: '3.16', kind: 'conflict', digest: release.digest })]);
    expect(log.fetched).toEqual(['3.16']);
  });

  it('fails a receipt another key signed, and one for another entry', async () => {
    const impostor = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
    await register(log, '3.17', (await statementBy(theirs)).statement, impostor);
    await register(log, '3.18', (await statementBy(theirs)).statement, serviceSigner, '3.9');
    const result = await monitorLog(input(), new RecordingHost());
    expect(result.alerts.map(({ entryId, kind }) => ({ entryId, kind }))).toEqual([
      { entryId: '3.17', kind: 'unverified' },
      { entryId: '3.18', kind: 'unverified' },
    ]);
  });

  it('alerts on an entry it cannot read and reads it again next run', async () => {
    const late = await statementBy(ours);
    lock = lockFor(at('ccf.lock.json'), [release, late]);
    log.entries.set('3.20', new TransparencyError('TS_UNAVAILABLE', 'busy'));
    const first = await monitorLog(input(), new RecordingHost());
    expect(first.alerts).toEqual([expect.objectContaining({ entryId: '3.20', kind: 'unverified' })]);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ lastEntryId: '3.20', unresolved: ['3.20'] });
    await register(log, '3.20', late.statement);
    const second = await monitorLog(input(), new RecordingHost());
    expect(second).toMatchObject({ scanned: 1, known: 1, alerts: [] });
    expect(JSON.parse(readFileSync(state, 'utf8')).unresolved).toBeUndefined();
  });

  it('finds a log rolled back under the last entry read, or ids that go backwards, inconsistent; the state stays', async () => {
    const before = readFileSync(state, 'utf8');
    log.listed = ['4.21'];
    expect((await monitorLog(input(), new RecordingHost())).alerts).toEqual([expect.objectContaining({ entryId: null, kind: 'inconsistent' })]);
    log.listed = [];
    expect((await monitorLog(input(), new RecordingHost())).alerts).toEqual([expect.objectContaining({ kind: 'inconsistent' })]);
    log.listed = ['3.20', '3.22', '3.21'];
    await register(log, '3.22', (await statementBy(theirs)).statement);
    expect((await monitorLog(input(), new RecordingHost())).alerts.map((alert) => alert.kind)).toEqual(['inconsistent']);
    log.listed = ['3.20', '2.23'];
    expect((await monitorLog(input(), new RecordingHost())).alerts.map((alert) => alert.kind)).toEqual(['inconsistent']);
    expect(readFileSync(state, 'utf8')).toBe(before);
    log.listed = undefined;
  });

  it('refuses a state file of another service, a policy that pins no keys for it, and nothing to watch', async () => {
    expect(await failureOf(monitorLog({ ...input(), serviceUrl: 'https://other.example' }, new RecordingHost()))).toMatchObject({ code: 'STEP_USAGE', input: 'state' });
    expect(await failureOf(monitorLog({ ...input(), statePath: at('fresh.json'), policy: { ...policy, services: [] } }, new RecordingHost()))).toMatchObject({ code: 'STEP_USAGE', input: 'trustPolicy' });
    expect(await failureOf(monitorLog({ ...input(), statePath: at('fresh.json'), policy: { ...policy, issuers: [] } }, new RecordingHost()))).toMatchObject({ code: 'STEP_USAGE', input: 'issuer' });
    writeFileSync(at('bad-state.json'), '{"version": 1, "service": "https://mst.example", "lastEntryId": "2.1"}');
    expect(await failureOf(monitorLog({ ...input(), statePath: at('bad-state.json') }, new RecordingHost()))).toMatchObject({ code: 'STEP_INPUT_UNREADABLE', input: 'state' });
    writeFileSync(at('bad-known.txt'), 'sha256:00 not-a-hash\n');
    expect(await failureOf(monitorLog({ ...input(), known: at('bad-known.txt') }, new RecordingHost()))).toMatchObject({ code: 'STEP_INPUT_UNREADABLE', input: 'known' });
  });
});

describe('monitor with startAtEnd over a CCF service', () => {
  it('with no state file saves the last listed entry without fetching any; later runs read only what follows; a state file makes it no different', async () => {
    const log = new CcfLog();
    await register(log, '4.1', (await statementBy(ours)).statement);
    await register(log, '4.2', (await statementBy(ours)).statement);
    const state = at('start-at-end-state.json');
    const input = (): MonitorInput => ({ log, serviceUrl: 'https://mst.example', policy, statePath: state, startAtEnd: true });

    const host = new RecordingHost();
    const first = await monitorLog(input(), host);
    expect(first).toEqual({ scanned: 0, known: 0, alerts: [], treeSize: null, startedAtEnd: { skipped: 2, lastEntryId: '4.2' } });
    expect(log.fetched).toEqual([]);
    expect(host.outputs).toEqual({ scanned: '0', alerts: '0', 'tree-size': '' });
    expect(host.summaries.join('')).toContain('2 earlier entries were not read');
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ version: 1, service: 'https://mst.example', lastEntryId: '4.2', lastSequenceNumber: 2 });

    const rogue = await statementBy(ours);
    await register(log, '4.3', rogue.statement);
    const next = await monitorLog(input(), new RecordingHost());
    expect(next.startedAtEnd).toBeUndefined();
    expect(next.alerts).toEqual([expect.objectContaining({ entryId: '4.3', kind: 'unexpected', digest: rogue.digest })]);
    expect(log.fetched).toEqual(['4.3']);
  });

  it('over an empty log saves a state without a position, so the next run reads from the start', async () => {
    const log = new CcfLog();
    const state = at('start-at-end-empty.json');
    const result = await monitorLog({ log, serviceUrl: 'https://mst.example', policy, statePath: state, startAtEnd: true }, new RecordingHost());
    expect(result.startedAtEnd).toEqual({ skipped: 0, lastEntryId: null });
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ version: 1, service: 'https://mst.example' });
    await register(log, '1.1', (await statementBy(ours)).statement);
    expect((await monitorLog({ log, serviceUrl: 'https://mst.example', policy, statePath: state, startAtEnd: true }, new RecordingHost())).alerts).toHaveLength(1);
  });
});

describe('monitor against a service that is down', () => {
  it('stops after a bounded number of entries the service failed to serve, saving nothing', async () => {
    const down = new CcfLog();
    for (let seqno = 1; seqno <= 200; seqno++) down.entries.set(`1.${seqno}`, new TransparencyError('TS_UNAVAILABLE', 'busy'));
    const state = at('down-state.json');
    expect(await failureOf(monitorLog({ log: down, serviceUrl: 'https://mst.example', policy, statePath: state }, new RecordingHost()))).toMatchObject({ code: 'TS_UNAVAILABLE' });
    expect(down.fetched.length).toBeLessThanOrEqual(MAX_UNAVAILABLE_ENTRIES + 16);
    expect(existsSync(state)).toBe(false);
  });
});

describe('monitor over a vds 1 service (tree heads)', () => {
  it('fails a receipt whose root contradicts the verified tree head of the same size', async () => {
    const key = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const open = (name: string): Promise<TransparencyLedger> => TransparencyLedger.open({ dir: at(name), serviceKey: key, issuer: 'ledger.example', maxBatchDelayMs: 0 });
    const [honest, forked] = await Promise.all([open('honest'), open('forked')]);
    try {
      for (const ledger of [honest, forked]) {
        await ledger.register((await statementBy(ours)).statement);
        await ledger.register((await statementBy(theirs)).statement);
      }
      // Tree heads from one ledger, entries from the other: what a service showing two views would serve.
      const split: EntryLog = {
        name: 'http://ledger.example',
        configuration: async () => new Map([['issuer', 'ledger.example']]),
        entryIdPages: async function* () {
          yield ['0', '1'];
        },
        transparentStatement: (id) => forked.transparentStatement(id),
        treeHead: async () => (await honest.treeHead()) as Uint8Array,
        consistency: (from) => honest.consistency(from),
      };
      const vds1Policy: TrustPolicy = { ...policy, services: [{ iss: 'ledger.example', jwks: (await honest.serviceKeys()).jwks }] };
      const result = await monitorLog({ log: split, serviceUrl: 'http://ledger.example', policy: vds1Policy, statePath: at('split-state.json') }, new RecordingHost());
      expect(result.treeSize).toBe(2);
      expect(result.alerts).toEqual([expect.objectContaining({ entryId: '0', kind: 'unexpected' }), expect.objectContaining({ entryId: '1', kind: 'inconsistent' })]);
    } finally {
      await Promise.all([honest.close(), forked.close()]);
    }
  });
});

describe('entries: what an issuer, key or CA signed', () => {
  it('lists by issuer, by leaf key id and by CA fingerprint, in log order, within registration times, and names what it could not read', async () => {
    const log = new CcfLog();
    const first = await statementBy(ours);
    await register(log, '1.1', first.statement);
    await register(log, '1.2', (await statementBy(theirs)).statement);
    log.entries.set('1.3', new TransparencyError('TS_NOT_FOUND', 'gone'));
    const second = await statementBy(ours);
    await register(log, '1.4', second.statement);
    const base = { log, serviceUrl: 'https://mst.example' };
    const byIssuer = await listEntries({ ...base, issuer: ours.issuer, policy }, new RecordingHost());
    expect(byIssuer.entries).toEqual([
      { entryId: '1.1', issuer: ours.issuer, subject: expect.any(String), digest: first.digest, keyId: keyIdOf(await ours.signer.publicKey()), registeredAt: '2027-01-15T08:00:00.000Z', receiptVerified: true },
      expect.objectContaining({ entryId: '1.4', digest: second.digest }),
    ]);
    expect(byIssuer.unreadable).toEqual([{ entryId: '1.3', reason: expect.any(String) }]);
    expect(entriesFailure(byIssuer)).toMatchObject({ code: 'STEP_MONITOR_ALERT' });
    const byKey = await listEntries({ ...base, key: keyIdOf(await theirs.signer.publicKey()).toUpperCase() }, new RecordingHost());
    expect(byKey.entries.map((entry) => [entry.entryId, entry.receiptVerified])).toEqual([['1.2', null]]);
    const ca = createHash('sha256').update(ours.chain.at(-1) as Uint8Array).digest();
    expect((await listEntries({ ...base, ca: ca.toString('base64url') }, new RecordingHost())).entries.map((entry) => entry.entryId)).toEqual(['1.1', '1.4']);
    expect((await listEntries({ ...base, ca: ca.toString('hex'), until: new Date('2027-01-01T00:00:00Z') }, new RecordingHost())).entries).toEqual([]);
    expect(await failureOf(listEntries({ ...base, issuer: 'a', key: 'b' }, new RecordingHost()))).toMatchObject({ code: 'STEP_USAGE' });
    expect(await failureOf(listEntries({ ...base, ca: 'abcd' }, new RecordingHost()))).toMatchObject({ code: 'STEP_USAGE', input: 'ca' });
  });
});

describe('the known list', () => {
  const hash = (n: number): string => createHash('sha256').update(`statement ${n}`).digest('hex');

  it('reads bare hashes, upper case, comments, CRLF and artifact pins alike', () => {
    const text = [`# ours`, hash(1), `${hash(2).toUpperCase()}  # by hand\r`, `  sha256:ABCD ${hash(3)}`, '', `${hash(4)}\r`].join('\n');
    expect([...parseKnownList(text, 'known.txt')]).toEqual([
      [hash(1), undefined],
      [hash(2), undefined],
      [hash(3), 'sha256:abcd'],
      [hash(4), undefined],
    ]);
  });

  it('refuses a line that is neither a hash nor a pinned hash', () => {
    expect(() => parseKnownList(`${hash(1)}\n${hash(2).slice(1)}x\n`, 'known.txt')).toThrow(expect.objectContaining({ code: 'STEP_INPUT_UNREADABLE' }));
  });
});
