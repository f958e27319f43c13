import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leafHash, nodeHash } from '@countersign/core';
import { HeadsLog } from '../src/storage/heads-log.js';
import { levelBytes, levelsDurableThrough } from '../src/storage/layout.js';
import { LedgerStore } from '../src/storage/ledger-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'crash-child.mjs');
const BUILT = join(here, '..', 'dist', 'index.js');

const root = mkdtempSync(join(tmpdir(), 'countersign-ledger-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Must stay identical to statementFor in crash-child.mjs.
function statementFor(number: number): Buffer {
  const bytes = Buffer.alloc(24 + ((number * 7919) % 2000), number % 251);
  bytes.write(`crash statement ${number};`);
  return bytes;
}
const entryOf = (statement: Uint8Array): Buffer => createHash('sha256').update(statement).digest();
const sealText = (treeSize: number): string => `seal of ${treeSize}`;

interface Acknowledgement {
  index: number;
  number: number;
  treeSize: number;
}

/**
 * Runs the appending child until it has acknowledged `wanted` registrations (or `maxMs` passed,
 * whatever happens), then kill -9s it and returns every acknowledgement it printed.
 */
function appendUntilKilled(dir: string, first: number, wanted: number, maxMs: number, mode: 'append' | 'overlap' = 'append'): Promise<{ acknowledged: Acknowledgement[]; heldSeal?: number }> {
  return new Promise((resolve, reject) => {
    let heldSeal: number | undefined;
    const child = spawn(process.execPath, [CHILD, mode, dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    const acknowledged: Acknowledgement[] = [];
    let partial = '';
    let stderr = '';
    let killed = false;
    const kill = (): void => {
      killed = true;
      child.kill('SIGKILL');
    };
    const deadline = setTimeout(kill, maxMs);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('overlap ')) {
          heldSeal = Number(line.slice('overlap '.length));
          if (!killed) kill();
          continue;
        }
        const [index, number, treeSize] = line.split(' ').map(Number);
        acknowledged.push({ index: index!, number: number!, treeSize: treeSize! });
      }
      if (acknowledged.length >= wanted && !killed) kill();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (code ${code}): ${stderr.trim()}`));
      else resolve({ acknowledged, heldSeal });
    });
  });
}

/**
 * What a power loss right after the kill may take on top of it: level hashes are fdatasync'ed only
 * by batches that reach a LEVEL_SYNC_INTERVAL multiple, so everything after the last multiple below
 * the committed size is cut (statements, index, entries and heads are durable per batch).
 */
async function loseUnsyncedLevelHashes(dir: string): Promise<number> {
  const heads = await open(join(dir, 'heads.log'), 'r');
  let committed: number;
  try {
    committed = (await HeadsLog.recover(heads, dir)).log.treeSize;
  } finally {
    await heads.close();
  }
  const durable = levelsDurableThrough(committed);
  for (const name of readdirSync(dir).filter((file) => file.startsWith('level-'))) {
    const level = Number(name.slice('level-'.length, 'level-'.length + 2));
    if (statSync(join(dir, name)).size > levelBytes(durable, level)) truncateSync(join(dir, name), levelBytes(durable, level));
  }
  return durable;
}

/** Recomputes every level from the stored entries and compares it with what the store kept. */
function expectTreeConsistent(store: LedgerStore): void {
  let below = Array.from({ length: store.size }, (_, i) => leafHash(store.entry(i)));
  for (let level = 0; below.length > 0; level++) {
    below.forEach((hash, index) => expect(Buffer.from(store.subtreeHash(level, index)).equals(hash)).toBe(true));
    const above: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) above.push(nodeHash(below[i]!, below[i + 1]!));
    below = above;
  }
}

describe('LedgerStore under kill -9', () => {
  it('keeps every acknowledged statement and seal across repeated kills of a writing process', async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests (the child process runs the built package)`);
    const dir = join(root, 'ledger');
    const all: Acknowledgement[] = [];
    const durableLevels: number[] = [];
    const rounds = [
      { wanted: 300, maxMs: 3_000, mode: 'append' as const },
      { wanted: 700, maxMs: 3_000, mode: 'append' as const },
      { wanted: 1, maxMs: 3_000, mode: 'append' as const }, // killed as early as possible: right after its first batch
      { wanted: 5_000, maxMs: 8_000, mode: 'append' as const }, // past a level sync (4096 entries)
      // Killed while a batch is being sealed and the batch behind it is already written: two unacknowledged batches on disk.
      { wanted: Infinity, maxMs: 10_000, mode: 'overlap' as const },
    ];
    for (const [round, { wanted, maxMs, mode }] of rounds.entries()) {
      const { acknowledged, heldSeal } = await appendUntilKilled(dir, round * 1_000_000, wanted, maxMs, mode);
      expect(acknowledged.length).toBeGreaterThan(0);
      all.push(...acknowledged);
      if (mode === 'overlap') {
        // Killed with the batch ending at heldSeal written but unsealed, and the next batch written behind it.
        expect(heldSeal).toBeGreaterThan(0);
        for (const { treeSize } of acknowledged) expect(treeSize).toBeLessThan(heldSeal!);
        expect(statSync(join(dir, 'entries.dat')).size / 32).toBeGreaterThan(heldSeal!);
      }

      // Every round also loses the level hashes a power loss could take; recovery rebuilds them.
      durableLevels.push(await loseUnsyncedLevelHashes(dir));
      const store = await LedgerStore.open(dir, { seal: async (treeSize) => Buffer.from(sealText(treeSize)) });
      try {
        if (heldSeal !== undefined) expect(store.size).toBeLessThan(heldSeal); // both unacknowledged batches were cut
        const indexOf = new Map<number, number>();
        for (const { index, number, treeSize } of all) {
          expect(indexOf.get(number) ?? index).toBe(index); // a repeat got its first index
          indexOf.set(number, index);
          expect(index).toBeLessThan(store.size);
          expect(Buffer.from(await store.statement(index)).equals(statementFor(number))).toBe(true);
          expect(store.indexOf(entryOf(statementFor(number)))).toBe(index);
          expect(Buffer.from((await store.sealFor(treeSize))!).toString()).toBe(sealText(treeSize));
        }
        expectTreeConsistent(store);
      } finally {
        await store.close();
      }
    }
    // The rounds reached a level sync, so some rebuild started from durable level hashes, not from nothing.
    expect(Math.max(...durableLevels)).toBeGreaterThan(0);
  }, 90_000);
});
