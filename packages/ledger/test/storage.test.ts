import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { isCountersignError, leafHash, nodeHash } from '@countersign/core';
import { DataFiles } from '../src/storage/data-files.js';
import { encodeHead, HeadsLog } from '../src/storage/heads-log.js';
import { LedgerStore, type AppendResult } from '../src/storage/ledger-store.js';
import type { LedgerOptions } from '../src/storage/options.js';

const root = mkdtempSync(join(tmpdir(), 'countersign-ledger-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `ledger-${++dirs}`);

const statementBytes = (i: number, length = 40 + ((i * 131) % 300)): Uint8Array => {
  const bytes = Buffer.alloc(length, i % 251);
  bytes.write(`statement ${i};`);
  return bytes;
};
const entryOf = (statement: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(statement).digest());
const sealText = (treeSize: number): string => `seal of ${treeSize}`;
const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString());

/** A store whose seals are readable text, counting seal calls. */
async function openStore(dir: string, options: Partial<LedgerOptions> = {}): Promise<LedgerStore & { sealCalls: number[] }> {
  const sealCalls: number[] = [];
  const store = await LedgerStore.open(dir, {
    seal: async (treeSize) => {
      sealCalls.push(treeSize);
      return Buffer.from(sealText(treeSize));
    },
    ...options,
  });
  return Object.assign(store, { sealCalls });
}

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (isCountersignError(error)) return error.code;
    throw error;
  }
  return 'ok';
}

/** Every level of a tree built in memory from its leaves, the way RFC 9162 defines it. */
function referenceLevels(entries: Uint8Array[]): Uint8Array[][] {
  const levels = [entries.map(leafHash)];
  for (let below = levels[0]!; below.length > 1; ) {
    const above: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) above.push(nodeHash(below[i]!, below[i + 1]!));
    levels.push(above);
    below = above;
  }
  return levels;
}

/** A recovered store takes `more`, closes, and reopens with every hash right: recovery left it whole. */
async function expectWorksOn(store: LedgerStore, dir: string, entries: Uint8Array[], more: Uint8Array[]): Promise<void> {
  await Promise.all(more.map((statement) => store.append(statement, entryOf(statement))));
  await store.close();
  const reopened = await openStore(dir);
  expectHashesMatch(reopened, [...entries, ...more.map(entryOf)]);
  await reopened.close();
}

function expectHashesMatch(store: LedgerStore, entries: Uint8Array[]): void {
  const levels = referenceLevels(entries);
  levels.forEach((hashes, level) => hashes.forEach((hash, index) => expect(Buffer.from(store.subtreeHash(level, index)).equals(hash)).toBe(true)));
  // Just past the edge of every level: no such subtree.
  levels.forEach((hashes, level) => expect(() => store.subtreeHash(level, hashes.length)).toThrow(expect.objectContaining({ code: 'LEDGER_UNKNOWN_ENTRY' })));
}

describe('LedgerStore records and hashes', () => {
  it('reads back statements and entries and matches a reference tree at every size from 1 to 70, one append at a time', async () => {
    const dir = freshDir();
    const store = await openStore(dir);
    const entries: Uint8Array[] = [];
    for (let i = 0; i < 70; i++) {
      const statement = statementBytes(i);
      const result = await store.append(statement, entryOf(statement));
      entries.push(entryOf(statement));
      expect(result).toEqual({ index: i, treeSize: i + 1, seal: new Uint8Array(Buffer.from(sealText(i + 1))) });
      expect(store.size).toBe(i + 1);
      expectHashesMatch(store, entries);
    }
    for (let i = 0; i < 70; i++) {
      expect(Buffer.from(await store.statement(i)).equals(statementBytes(i))).toBe(true);
      expect(store.entry(i)).toEqual(entries[i]);
      expect(store.indexOf(entries[i]!)).toBe(i);
    }
    expect(store.indexOf(entryOf(Buffer.from('never registered')))).toBeUndefined();
    await store.close();
  });

  it('matches the reference across batches of many sizes, and after reopening', async () => {
    const dir = freshDir();
    let store = await openStore(dir, { maxBatchEntries: 7 });
    const entries: Uint8Array[] = [];
    let next = 0;
    for (const batch of [1, 2, 3, 5, 8, 13, 21, 17]) {
      const statements = Array.from({ length: batch }, () => statementBytes(next++));
      const results = await Promise.all(statements.map((statement) => store.append(statement, entryOf(statement))));
      entries.push(...statements.map(entryOf));
      expect(results.map((result) => result.index)).toEqual(statements.map((_, i) => entries.length - batch + i));
      expectHashesMatch(store, entries);
    }
    expect(store.sealCalls.length).toBeGreaterThan(8); // batches of at most 7
    await store.close();

    store = await openStore(dir);
    expect(store.size).toBe(70);
    expectHashesMatch(store, entries);
    for (let i = 0; i < 70; i++) expect(Buffer.from(await store.statement(i)).equals(statementBytes(i))).toBe(true);
    const seals: number[] = [];
    for await (const { treeSize, seal } of store.seals()) {
      expect(text(seal)).toBe(sealText(treeSize));
      seals.push(treeSize);
    }
    expect(seals.at(-1)).toBe(70);
    expect(store.sealedSizes()).toEqual(seals);
    expect(text(await store.sealFor(70))).toBe(sealText(70));
    expect(await store.sealFor(69.5)).toBeUndefined();
    const more = statementBytes(1000);
    expect((await store.append(more, entryOf(more))).index).toBe(70);
    expectHashesMatch(store, [...entries, entryOf(more)]);
    await store.close();
  });

  it('deduplicates within a batch and across batches, keeping the first statement and its seal', async () => {
    const store = await openStore(freshDir());
    const a = statementBytes(1);
    const b = statementBytes(2);
    const [first, again, other] = await Promise.all([store.append(a, entryOf(a)), store.append(a, entryOf(a)), store.append(b, entryOf(b))]);
    expect(again).toEqual(first);
    expect(other!.index).toBe(1);
    expect(store.size).toBe(2);
    expect(store.sealCalls).toEqual([2]);

    const c = statementBytes(3);
    await store.append(c, entryOf(c));
    // Same entry, different bytes (another unprotected header): the first registration stands.
    const later = await store.append(Buffer.concat([a, Buffer.from('x')]), entryOf(a));
    expect(later).toEqual({ index: 0, treeSize: 2, seal: new Uint8Array(Buffer.from(sealText(2))) });
    expect(Buffer.from(await store.statement(0)).equals(a)).toBe(true);
    expect(store.size).toBe(3);
    expect(store.sealCalls).toEqual([2, 3]);
    await store.close();
  });

  it('refuses bad arguments, out-of-range reads and use after close with typed errors', async () => {
    const dir = freshDir();
    const store = await openStore(dir, { maxStatementBytes: 100 });
    expect(await codeOf(store.append(statementBytes(0, 101), new Uint8Array(32)))).toBe('LEDGER_TOO_LARGE');
    expect(await codeOf(store.append(statementBytes(0, 100), new Uint8Array(31)))).toBe('LEDGER_INVALID');
    expect(await codeOf(store.append(new Uint8Array(0), new Uint8Array(32)))).toBe('LEDGER_INVALID');
    expect(await codeOf(store.statement(0))).toBe('LEDGER_UNKNOWN_ENTRY');
    expect(await codeOf(() => store.entry(-1))).toBe('LEDGER_UNKNOWN_ENTRY');
    expect(await codeOf(() => store.subtreeHash(0, 0))).toBe('LEDGER_UNKNOWN_ENTRY');
    expect(await codeOf(() => store.subtreeHash(1.5, 0))).toBe('LEDGER_UNKNOWN_ENTRY');
    expect(await codeOf(openStore(dir, { maxBatchEntries: 0 }))).toBe('LEDGER_INVALID');
    const pending = store.append(statementBytes(5, 50), entryOf(statementBytes(5, 50)));
    await store.close();
    expect((await pending).index).toBe(0); // close commits what was queued
    expect(await codeOf(store.append(statementBytes(6, 50), new Uint8Array(32)))).toBe('LEDGER_CLOSED');
    expect(await codeOf(store.statement(0))).toBe('LEDGER_CLOSED');
    expect(await codeOf(() => store.subtreeHash(0, 0))).toBe('LEDGER_CLOSED');
  });
});

describe('LedgerStore group commit', () => {
  it('commits 500 concurrent appends in a few batches, resolving none before its batch seal is on disk', async () => {
    const dir = freshDir();
    const events: string[] = [];
    const store = await LedgerStore.open(dir, {
      maxBatchEntries: 200,
      seal: async (treeSize) => {
        events.push(`seal ${treeSize}`);
        await new Promise((done) => setTimeout(done, 30));
        // The batch's subtrees are readable while it is being sealed.
        expect(() => store.subtreeHash(0, treeSize - 1)).not.toThrow();
        events.push(`sealed ${treeSize}`);
        return Buffer.from(sealText(treeSize));
      },
    });
    const statements = Array.from({ length: 500 }, (_, i) => statementBytes(i));
    const results = await Promise.all(
      statements.map((statement) =>
        store.append(statement, entryOf(statement)).then((result: AppendResult) => {
          // By now the head must be in heads.log, with this very seal.
          expect(readFileSync(join(dir, 'heads.log')).includes(Buffer.from(sealText(result.treeSize)))).toBe(true);
          events.push(`resolved ${result.index} in ${result.treeSize}`);
          return result;
        }),
      ),
    );
    const seals = events.filter((event) => event.startsWith('seal '));
    expect(seals.length).toBeGreaterThanOrEqual(3);
    expect(seals.length).toBeLessThanOrEqual(5);
    for (const result of results) {
      const resolvedAt = events.indexOf(`resolved ${result.index} in ${result.treeSize}`);
      expect(events.indexOf(`sealed ${result.treeSize}`)).toBeLessThan(resolvedAt);
      expect(result.index).toBeLessThan(result.treeSize);
      expect(text(result.seal)).toBe(sealText(result.treeSize));
    }
    expect(new Set(results.map((result) => result.index)).size).toBe(500);
    await store.close();
  });

  it('with a seal interval, appends arriving one after another share one seal per interval', async () => {
    const staggered = async (sealIntervalMs: number): Promise<number[]> => {
      const store = await openStore(freshDir(), { sealIntervalMs });
      // Twelve appends 5 ms apart: without an interval each finds the store idle and is sealed alone or nearly.
      const appends: Promise<AppendResult>[] = [];
      for (let i = 0; i < 12; i++) {
        appends.push(store.append(statementBytes(i), entryOf(statementBytes(i))));
        await new Promise((resume) => setTimeout(resume, 5));
      }
      const results = await Promise.all(appends);
      expect(new Set(results.map((result) => result.index)).size).toBe(12);
      for (const result of results) expect(text(result.seal)).toBe(sealText(result.treeSize));
      expectHashesMatch(store, Array.from({ length: 12 }, (_, i) => entryOf(statementBytes(i))));
      await store.close();
      return store.sealCalls;
    };
    expect((await staggered(0)).length).toBeGreaterThanOrEqual(6);
    // The first append (or two, on a slow machine) is sealed at once; the rest wait out the interval and join one batch.
    const interval = await staggered(1_000);
    expect({ seals: interval.length, last: interval.at(-1) }).toEqual({ seals: 2, last: 12 });
  });

  it('with a seal interval, a full batch does not wait for it, and closing commits what waits', async () => {
    const store = await openStore(freshDir(), { sealIntervalMs: 10_000, maxBatchEntries: 4 });
    const first = await store.append(statementBytes(0), entryOf(statementBytes(0)));
    expect(first.treeSize).toBe(1);
    // The next batch is due in 10 s, unless four registrations fill it first: these must not wait.
    const full = await Promise.race([
      Promise.all(Array.from({ length: 4 }, (_, i) => store.append(statementBytes(i + 1), entryOf(statementBytes(i + 1))))),
      new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5_000).unref()),
    ]);
    expect(full === 'waited' ? full : full.map((result) => result.treeSize)).toEqual([5, 5, 5, 5]);
    const waiting = store.append(statementBytes(9), entryOf(statementBytes(9)));
    await store.close();
    expect((await waiting).treeSize).toBe(6);
    expect(store.sealCalls).toEqual([1, 5, 6]);
  });

  it('refuses a seal interval outside 0 to 10 s', async () => {
    for (const sealIntervalMs of [-1, 1.5, 10_001]) expect(await codeOf(openStore(freshDir(), { sealIntervalMs }))).toBe('LEDGER_INVALID');
  });

  it("writes the next batch's data while the previous batch is being sealed, and acknowledges both in order", async () => {
    const dir = freshDir();
    const events: string[] = [];
    let release: () => void = () => undefined;
    const firstSealHeld = new Promise<void>((resolve) => (release = resolve));
    const store = await LedgerStore.open(dir, {
      maxBatchEntries: 10,
      seal: async (treeSize) => {
        events.push(`seal ${treeSize}`);
        if (treeSize === 10) await firstSealHeld;
        return Buffer.from(sealText(treeSize));
      },
    });
    const results = Array.from({ length: 20 }, (_, i) => store.append(statementBytes(i), entryOf(statementBytes(i))).then((result) => events.push(`resolved ${result.index}`)));
    // While the first batch's seal is held, the second batch's data reaches the disk, unacknowledged.
    const deadline = Date.now() + 5_000;
    while (statSync(join(dir, 'entries.dat')).size < 20 * 32 && Date.now() < deadline) await new Promise((resume) => setTimeout(resume, 5));
    expect(statSync(join(dir, 'entries.dat')).size).toBe(20 * 32);
    expect(store.size).toBe(0);
    expect(events).toEqual(['seal 10']);
    release();
    await Promise.all(results);
    expect(events.indexOf('seal 20')).toBeGreaterThan(0);
    for (let i = 10; i < 20; i++) expect(events.indexOf(`resolved ${i}`)).toBeGreaterThan(events.indexOf('seal 20'));
    expect(store.sealedSizes()).toEqual([10, 20]);
    expectHashesMatch(store, Array.from({ length: 20 }, (_, i) => entryOf(statementBytes(i))));
    await store.close();
  });

  it('fails the batch written behind a batch whose seal fails, cuts both from disk, and carries on', async () => {
    const dir = freshDir();
    let release: () => void = () => undefined;
    const firstSealHeld = new Promise<void>((resolve) => (release = resolve));
    const store = await LedgerStore.open(dir, {
      maxBatchEntries: 10,
      seal: async (treeSize) => {
        if (treeSize !== 10) return Buffer.from(sealText(treeSize));
        await firstSealHeld;
        throw new Error('HSM unavailable');
      },
    });
    const doomed = Array.from({ length: 20 }, (_, i) => codeOf(store.append(statementBytes(i), entryOf(statementBytes(i)))));
    const deadline = Date.now() + 5_000;
    while (statSync(join(dir, 'entries.dat')).size < 20 * 32 && Date.now() < deadline) await new Promise((resume) => setTimeout(resume, 5));
    release();
    const codes = await Promise.all(doomed);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill('LEDGER_SEAL_FAILED'));
    expect(codes.slice(10)).toEqual(Array(10).fill('LEDGER_WRITE_FAILED'));
    expect(store.size).toBe(0);
    expect(statSync(join(dir, 'entries.dat')).size).toBe(0);
    expect(statSync(join(dir, 'statements.dat')).size).toBe(0);
    const retried = await store.append(statementBytes(15), entryOf(statementBytes(15)));
    expect(retried.index).toBe(0);
    expectHashesMatch(store, [entryOf(statementBytes(15))]);
    await store.close();
  });

  it('rejects a whole batch whose seal fails, acknowledges nothing of it, and carries on', async () => {
    const dir = freshDir();
    let failNext = false;
    const store = await LedgerStore.open(dir, {
      seal: async (treeSize) => {
        if (failNext) throw new Error('HSM unavailable');
        return Buffer.from(sealText(treeSize));
      },
    });
    const first = statementBytes(0);
    await store.append(first, entryOf(first));
    failNext = true;
    const doomed = [1, 2, 3].map((i) => store.append(statementBytes(i), entryOf(statementBytes(i))));
    expect(await Promise.all(doomed.map((append) => codeOf(append)))).toEqual(['LEDGER_SEAL_FAILED', 'LEDGER_SEAL_FAILED', 'LEDGER_SEAL_FAILED']);
    expect(store.size).toBe(1);
    expect(store.indexOf(entryOf(statementBytes(2)))).toBeUndefined();
    expect(statSync(join(dir, 'entries.dat')).size).toBe(32);
    expect(statSync(join(dir, 'statements.dat')).size).toBe(first.byteLength);
    failNext = false;
    const retried = await store.append(statementBytes(2), entryOf(statementBytes(2)));
    expect(retried.index).toBe(1);
    expectHashesMatch(store, [entryOf(first), entryOf(statementBytes(2))]);
    await store.close();
  });

  it('keeps the level hashes of ordinary batches in memory, serves them, and cuts them with a failed batch', async () => {
    const dir = freshDir();
    let failAt = -1;
    const store = await LedgerStore.open(dir, {
      maxBatchEntries: 10,
      seal: async (treeSize) => {
        if (treeSize === failAt) throw new Error('HSM unavailable');
        return Buffer.from(sealText(treeSize));
      },
    });
    const appendAll = (from: number, count: number): Promise<string[]> =>
      Promise.all(Array.from({ length: count }, (_, i) => codeOf(store.append(statementBytes(from + i), entryOf(statementBytes(from + i))))));
    await appendAll(0, 10);
    await appendAll(10, 10); // 20 leaves: this batch creates level 4, so it writes and syncs every level file
    expect(statSync(join(dir, 'level-00.hashes')).size).toBe(20 * 32);
    expect(await appendAll(20, 5)).toEqual(Array(5).fill('ok')); // no new level, no sync multiple: nothing written to the level files
    expect(statSync(join(dir, 'level-00.hashes')).size).toBe(20 * 32);
    failAt = 30;
    expect(await appendAll(25, 5)).toEqual(Array(5).fill('LEDGER_SEAL_FAILED'));
    expect(await appendAll(100, 3)).toEqual(Array(3).fill('ok'));
    const entries = [...Array.from({ length: 25 }, (_, i) => entryOf(statementBytes(i))), ...[100, 101, 102].map((i) => entryOf(statementBytes(i)))];
    expect(store.size).toBe(28);
    expectHashesMatch(store, entries);
    await store.close();
    const reopened = await openStore(dir);
    expectHashesMatch(reopened, entries);
    await reopened.close();
  });

  it('rejects a batch whose data or head cannot be written, and the next open sees none of it', async () => {
    const dir = freshDir();
    const store = await openStore(dir);
    await store.append(statementBytes(0), entryOf(statementBytes(0)));
    const failWrite = jest.spyOn(DataFiles.prototype, 'write').mockRejectedValueOnce(new Error('EIO: i/o error, write'));
    expect(await codeOf(store.append(statementBytes(1), entryOf(statementBytes(1))))).toBe('LEDGER_WRITE_FAILED');
    failWrite.mockRestore();

    const failHead = jest.spyOn(HeadsLog.prototype, 'append').mockImplementationOnce(async function (this: HeadsLog) {
      appendFileSync(join(dir, 'heads.log'), encodeHead(2, Buffer.from(sealText(2))).subarray(0, 11)); // a torn frame
      throw new Error('EIO: i/o error, fsync');
    });
    expect(await codeOf(store.append(statementBytes(2), entryOf(statementBytes(2))))).toBe('LEDGER_WRITE_FAILED');
    expect(failHead).toHaveBeenCalledTimes(1);
    failHead.mockRestore();
    expect(store.size).toBe(1);
    expect(await store.sealFor(2)).toBeUndefined();
    await store.close();

    const reopened = await openStore(dir);
    expect(reopened.size).toBe(1);
    expect(reopened.indexOf(entryOf(statementBytes(2)))).toBeUndefined();
    expect((await reopened.append(statementBytes(3), entryOf(statementBytes(3)))).index).toBe(1);
    await reopened.close();
  });
});

describe('LedgerStore recovery', () => {
  const COMMITTED = 13;

  async function ledgerOf(size: number): Promise<{ dir: string; entries: Uint8Array[] }> {
    const dir = freshDir();
    const store = await openStore(dir);
    const statements = Array.from({ length: size }, (_, i) => statementBytes(i));
    await Promise.all(statements.map((statement) => store.append(statement, entryOf(statement))));
    await store.close();
    return { dir, entries: statements.map(entryOf) };
  }

  const tails: Array<[string, string, Buffer]> = [
    ['half a statement', 'statements.dat', Buffer.from('half a statement')],
    ['half an index record', 'index.dat', Buffer.alloc(9, 0xff)],
    ['three and a bit entries', 'entries.dat', Buffer.alloc(32 * 3 + 5, 0xab)],
    ['part of a leaf hash', 'level-00.hashes', Buffer.alloc(20, 1)],
    ['a whole level-2 hash', 'level-02.hashes', Buffer.alloc(32, 2)],
    ['hashes of a level the tree does not reach', 'level-04.hashes', Buffer.alloc(64, 4)],
    ['part of a frame header', 'heads.log', Buffer.alloc(7, 0)],
    ['half a head frame', 'heads.log', encodeHead(COMMITTED + 3, Buffer.from(sealText(COMMITTED + 3))).subarray(0, 20)],
    ['a whole frame with a bad checksum', 'heads.log', Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.alloc(28, 9)])],
  ];

  it.each(tails)('cuts %s after the committed end (%s) and works on', async (_, name, garbage) => {
    const { dir, entries } = await ledgerOf(COMMITTED);
    const sizeBefore = statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0;
    appendFileSync(join(dir, name), garbage);
    const store = await openStore(dir);
    expect(store.size).toBe(COMMITTED);
    expect(statSync(join(dir, name)).size).toBe(sizeBefore);
    expectHashesMatch(store, entries);
    for (let i = 0; i < COMMITTED; i++) expect(Buffer.from(await store.statement(i)).equals(statementBytes(i))).toBe(true);
    expect(text(await store.sealFor(COMMITTED))).toBe(sealText(COMMITTED));
    await expectWorksOn(store, dir, entries, Array.from({ length: 5 }, (_, i) => statementBytes(100 + i)));
  });

  it('refuses to open when a file is shorter than the committed tree needs', async () => {
    for (const name of ['entries.dat', 'statements.dat', 'index.dat']) {
      const { dir } = await ledgerOf(COMMITTED);
      truncateSync(join(dir, name), statSync(join(dir, name)).size - 1);
      expect(await codeOf(openStore(dir))).toBe('LEDGER_CORRUPT');
      expect(readdirSync(dir)).not.toContain('LOCK'); // a refused open leaves no lock behind
    }
  });

  /** Level hash bytes of a tree of `size` leaves: the same for every tree of that size. */
  const levelLengthBytes = (size: number, level: number): number => Math.floor(size / 2 ** level) * 32;
  const levelFileNames = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('level-'));
  const levelOf = (name: string): number => Number(name.slice('level-'.length, 'level-'.length + 2));

  // Level files are fdatasync'ed only by batches that reach a multiple of LEVEL_SYNC_INTERVAL (4096):
  // a power loss may take or zero whatever was written to them after that, and recovery rebuilds it.
  const SYNCED = 4096;
  const lostTails: Array<[string, (path: string, durable: number) => void]> = [
    ['cut back to the last level sync', (path, durable) => truncateSync(path, durable)],
    ['zeroed after the last level sync', (path, durable) => writeFileSync(path, Buffer.concat([readFileSync(path).subarray(0, durable), Buffer.alloc(statSync(path).size - durable)]))],
    ['cut in the middle of a hash', (path, durable) => truncateSync(path, Math.max(durable, statSync(path).size - 13))],
  ];

  it.each(lostTails)('rebuilds level hashes %s from entries.dat, and works on', async (_, damage) => {
    const size = SYNCED + 300;
    const { dir, entries } = await ledgerOf(size);
    for (const name of levelFileNames(dir)) damage(join(dir, name), levelLengthBytes(SYNCED, levelOf(name)));
    const store = await openStore(dir);
    expect(store.size).toBe(size);
    for (const name of levelFileNames(dir)) expect(statSync(join(dir, name)).size).toBe(levelLengthBytes(size, levelOf(name)));
    expectHashesMatch(store, entries);
    await expectWorksOn(store, dir, entries, Array.from({ length: 50 }, (_, i) => statementBytes(size + i)));
  });

  it('rebuilds every level hash of a tree smaller than one level sync interval', async () => {
    const { dir, entries } = await ledgerOf(COMMITTED);
    for (const name of levelFileNames(dir)) truncateSync(join(dir, name), 0);
    const store = await openStore(dir);
    expectHashesMatch(store, entries);
    await store.close();
  });

  it('refuses to open when a level file is shorter than its last level sync made durable', async () => {
    const { dir } = await ledgerOf(SYNCED + 5);
    truncateSync(join(dir, 'level-01.hashes'), levelLengthBytes(SYNCED, 1) - 1);
    expect(await codeOf(openStore(dir))).toBe('LEDGER_CORRUPT');
    expect(readdirSync(dir)).not.toContain('LOCK');
  });

  it('refuses to cut heads.log garbage longer than one frame, or a missing heads.log beside data', async () => {
    const damaged = await ledgerOf(COMMITTED);
    appendFileSync(join(damaged.dir, 'heads.log'), Buffer.alloc(70_000, 0));
    expect(await codeOf(openStore(damaged.dir))).toBe('LEDGER_CORRUPT');
    const headless = await ledgerOf(COMMITTED);
    rmSync(join(headless.dir, 'heads.log'));
    expect(await codeOf(openStore(headless.dir))).toBe('LEDGER_CORRUPT');
  });

  it('detects a statement whose bytes rotted on disk', async () => {
    const { dir } = await ledgerOf(3);
    const path = join(dir, 'statements.dat');
    const bytes = readFileSync(path);
    bytes.writeUInt8(bytes.readUInt8(5) ^ 1, 5);
    writeFileSync(path, bytes);
    const store = await openStore(dir);
    expect(await codeOf(store.statement(0))).toBe('LEDGER_CORRUPT');
    expect(Buffer.from(await store.statement(1)).equals(statementBytes(1))).toBe(true);
    await store.close();
  });
});

describe('LedgerStore directory ownership', () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.mjs');

  it('lets one store at a time open a directory, in this process or another', async () => {
    const dir = freshDir();
    const store = await openStore(dir);
    const second = openStore(dir);
    await expect(second).rejects.toThrow(expect.objectContaining({ code: 'LEDGER_LOCKED', message: expect.stringContaining(`pid ${process.pid}`) }));
    const other = spawnSync(process.execPath, [child, 'open', dir], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(other.stderr).toBe('');
    expect(other.stdout.trim()).toMatch(new RegExp(`^LEDGER_LOCKED .*pid ${process.pid}`));
    await store.close();
    const again = await openStore(dir);
    await again.close();
    const fromChild = spawnSync(process.execPath, [child, 'open', dir], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(fromChild.stdout.trim()).toBe('opened');
  });

  it('takes over a lock left by a dead process or an earlier one with our pid, never one from another host', async () => {
    const dir = freshDir();
    await (await openStore(dir)).close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: Number(dead.stdout), host: hostname() }));
    const store = await openStore(dir);
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid);
    await store.close();
    expect(readdirSync(dir)).not.toContain('LOCK');
    // Our own pid, but no store of this process holds it: left by an earlier process with this pid (a restarted container).
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: process.pid, host: hostname() }));
    await (await openStore(dir)).close();
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: 1, host: `not-${hostname()}` }));
    expect(await codeOf(openStore(dir))).toBe('LEDGER_LOCKED');
  });

  it('initialises an absent or empty directory with a format file', async () => {
    const absent = join(freshDir(), 'nested');
    await (await openStore(absent)).close();
    expect(readFileSync(join(absent, 'FORMAT'), 'utf8')).toBe('countersign-ledger\nformat 1\n');
    const empty = freshDir();
    mkdirSync(empty);
    await (await openStore(empty)).close();
    expect(readdirSync(empty)).toContain('FORMAT');
  });

  const snapshot = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'hex')]));

  it.each([
    ['a foreign file', { 'notes.txt': 'keep me' }],
    ['ledger-like files without FORMAT', { 'heads.log': '' }],
    ['another magic', { FORMAT: 'something-else\nformat 1\n' }],
    ['another version', { FORMAT: 'countersign-ledger\nformat 2\n', 'heads.log': '' }],
  ])('refuses a directory holding %s and leaves it untouched', async (_, files) => {
    const dir = freshDir();
    mkdirSync(dir);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const before = snapshot(dir);
    expect(await codeOf(openStore(dir))).toBe('LEDGER_NOT_A_LEDGER');
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a path that is a file', async () => {
    const file = resolve(freshDir());
    writeFileSync(file, 'x');
    expect(await codeOf(openStore(file))).toBe('LEDGER_NOT_A_LEDGER');
  });
});
