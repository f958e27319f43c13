import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embedReceipts, receiptsOf } from '@countersign/core';
import { countersign, expectOneLineError, scratchDir } from './cli-harness.js';
import { startServer } from './serve-harness.js';

const { dir, cleanup } = scratchDir('batch');
afterAll(cleanup);

const key = join(dir, 'k.pem');
const policy = join(dir, 'trust.json');
countersign(['keygen', '--out', key, '--self-signed-cert', 'Batch Signer']);
countersign(['trust', 'init', '--out', policy]);

function signAll(files: string[]): string {
  const run = countersign(['sign', ...files, '--key', key, '--x5chain', join(dir, 'k.crt.pem'), '--json']);
  expect(run.status).toBe(0);
  return (JSON.parse(run.stdout) as Array<{ issuer: string }>)[0]!.issuer;
}

describe('verifying many artifacts at once', () => {
  const dist = join(dir, 'dist');
  const files: string[] = [];
  beforeAll(() => {
    mkdirSync(dist);
    // Enough pairs that the batch is split across worker threads.
    for (let i = 0; i < 160; i++) {
      const file = join(dist, `pkg-${String(i).padStart(3, '0')}.tgz`);
      writeFileSync(file, `package ${i}`);
      files.push(file);
    }
    countersign(['trust', 'add-issuer', '--policy', policy, '--iss', signAll(files)]);
  });

  it('checks FILE... against FILE.cose beside each, on every core, in order', () => {
    const run = countersign(['verify', ...files, '--trust', policy, '--allow-unlogged', '--json']);
    expect(run.status).toBe(0);
    const results = JSON.parse(run.stdout) as Array<{ artifact: string; verified: boolean }>;
    expect(results.map((result) => result.artifact)).toEqual(files);
    expect(results.every((result) => result.verified)).toBe(true);
  });

  it('finds statements with --statement-glob and reports each failure on one line', () => {
    writeFileSync(files[7]!, 'tampered');
    const run = countersign(['verify', '--statement-glob', join(dist, 'pkg-*.tgz.cose'), '--trust', policy, '--allow-unlogged']);
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(160);
    expect(lines.filter((line) => line.startsWith('NOT VERIFIED'))).toEqual([`NOT VERIFIED: ${files[7]} (artifact-digest: ${lines[7]!.split('artifact-digest: ')[1]}`]);
    writeFileSync(files[7]!, 'package 7');
    expectOneLineError(countersign(['verify', '--statement-glob', join(dist, 'nothing-*.cose'), '--trust', policy]), 2, /no statement matches/);
    expectOneLineError(countersign(['verify', files[0]!, files[1]!, '--statement', `${files[0]}.cose`, '--trust', policy]), 2, /one statement goes with one artifact.*\(--statement; see: countersign verify --help\)/);
  });

  it('stops a batch split across threads at a statement that cannot be read, with its own code and one line', () => {
    const unreadable = join(dist, 'pkg-zzz.tgz.cose');
    mkdirSync(unreadable);
    try {
      expectOneLineError(countersign(['verify', '--statement-glob', join(dist, 'pkg-*.tgz.cose'), '--trust', policy, '--allow-unlogged', '--concurrency', '2']), 2, /statement .*pkg-zzz\.tgz\.cose is a directory/);
    } finally {
      rmdirSync(unreadable);
    }
  });

  it('appends a Markdown summary with a table per artifact', () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    expect(countersign(['verify', files[0]!, files[1]!, '--trust', policy, '--allow-unlogged', '--summary', summary]).status).toBe(0);
    const markdown = readFileSync(summary, 'utf8');
    expect(markdown.startsWith('# earlier step\n## countersign: 2 of 2 artifact(s) verified')).toBe(true);
    expect(markdown).toContain(`### ✅ \`${files[1]}\``);
    expect(markdown).toContain('| statement-signature | ✅ pass | ES256 signature verifies |');
    expect(markdown).toContain('| receipts | ➖ skipped | no receipt; unlogged statements allowed |');
  });
});

describe('artifacts found by a statement glob that are not regular files', () => {
  it('reads a pipe beside its statement to its end, however its writer hands it over', async () => {
    if (process.platform !== 'linux') return;
    const piped = join(dir, 'piped');
    mkdirSync(piped);
    const [plain, fifo] = [join(piped, 'plain.tgz'), join(piped, 'piped.tgz')];
    const content = Buffer.alloc(3000, 'x');
    writeFileSync(plain, 'plain');
    writeFileSync(fifo, content);
    countersign(['trust', 'add-issuer', '--policy', policy, '--iss', signAll([plain, fifo])]);
    rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    // Half now, the rest a moment later: a read that took the first short read for the end would see half.
    const writer = spawn(process.execPath, ['-e', `const fs = require('node:fs'); const fd = fs.openSync(process.argv[1], 'w'); fs.writeSync(fd, Buffer.alloc(1500, 'x')); setTimeout(() => { try { fs.writeSync(fd, Buffer.alloc(1500, 'x')); } catch {} fs.closeSync(fd); }, 300);`, fifo], { stdio: 'ignore', timeout: 30_000 });
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    try {
      const run = countersign(['verify', '--statement-glob', join(piped, '*.tgz.cose'), '--trust', policy, '--allow-unlogged', '--concurrency', '1']);
      expect(run.stdout.trim().split('\n')).toEqual([`verified: ${fifo}`, `verified: ${plain}`]);
      expect(run.status).toBe(0);
    } finally {
      writer.kill();
      await exited;
    }
  });
});

describe('a logged batch on two threads', () => {
  it('verifies receipts that share one signature, and fails the one moved to another statement of the batch', async () => {
    const logged = join(dir, 'logged');
    mkdirSync(logged);
    const batch = Array.from({ length: 160 }, (_, i) => join(logged, `lib-${String(i).padStart(3, '0')}.tgz`));
    for (const [i, file] of batch.entries()) writeFileSync(file, `library ${i}`);
    const iss = signAll(batch);
    const ledger = await startServer(['--data', join(dir, 'ledger-batch'), '--issuer', 'batch.example']);
    const batchPolicy = join(dir, 'batch-trust.json');
    try {
      countersign(['trust', 'init', '--out', batchPolicy]);
      countersign(['trust', 'add-issuer', '--policy', batchPolicy, '--iss', iss]);
      expect(countersign(['trust', 'add-service', '--policy', batchPolicy, '--url', ledger.url]).status).toBe(0);
      expectOneLineError(countersign(['log', `${batch[0]}.cose`, '--service', ledger.url, '--concurrency', '0']), 2, /--concurrency must be a whole number/);
      // Under a limit of 64 open files (macOS shells default to 256): 160 statements read at once would not fit.
      const registered = countersign(['log', ...batch.map((file) => `${file}.cose`), '--service', ledger.url, '--concurrency', '8'], { fileLimit: 64 });
      const lines = registered.stderr.trim().split('\n');
      expect({ status: registered.status, failures: lines.filter((line) => !line.startsWith('logged ')) }).toEqual({ status: 0, failures: [] });
      expect(lines).toHaveLength(160);
    } finally {
      await ledger.stop();
    }
    const verify = (threads = 2): Array<{ artifact: string; verified: boolean; checks: Array<{ name: string; outcome: string }> }> => {
      const run = countersign(['verify', '--statement-glob', join(logged, '*.tgz.cose'), '--trust', batchPolicy, '--concurrency', String(threads), '--json']);
      return JSON.parse(run.stdout) as ReturnType<typeof verify>;
    };
    const all = verify();
    // Verdicts from a worker arrive as text: each says exactly what the same verdict made on one thread says.
    expect(all).toEqual(verify(1));
    expect(all.map((result) => result.artifact)).toEqual(batch);
    expect(all.every((result) => result.verified && result.checks.some((check) => check.name === 'receipts' && check.outcome === 'pass'))).toBe(true);

    // Statement 101 given statement 100's receipt: the same header and signature as its own, a root of another leaf.
    const moved = embedReceipts(readFileSync(`${batch[101]}.cose`), receiptsOf(readFileSync(`${batch[100]}.cose`)));
    writeFileSync(`${batch[101]}.cose`, moved);
    const after = verify();
    expect(after).toEqual(verify(1));
    expect(after.filter((result) => !result.verified).map((result) => result.artifact)).toEqual([batch[101]]);
    expect(after[101]!.checks.find((check) => check.name === 'receipts')).toMatchObject({ outcome: 'fail' });
    expectOneLineError(countersign(['verify', '--statement-glob', join(logged, '*.tgz.cose'), '--trust', batchPolicy, '--concurrency', '0']), 2, /--concurrency must be a whole number/);
  }, 120_000);
});

describe('the receipt lockfile', () => {
  it('pins statements and entries, and fails a re-signing or a split view', async () => {
    const artifact = join(dir, 'app.zip');
    writeFileSync(artifact, 'the release');
    const iss = signAll([artifact]);
    countersign(['trust', 'add-issuer', '--policy', policy, '--iss', iss]);
    // Two ledgers under the same service key and issuer, with different histories: a split view.
    const serviceKey = join(dir, 'service.pem');
    countersign(['keygen', '--out', serviceKey]);
    const ledgers = [await startServer(['--data', join(dir, 'ledger-1'), '--key', serviceKey, '--issuer', 'ledger.example']), await startServer(['--data', join(dir, 'ledger-2'), '--key', serviceKey, '--issuer', 'ledger.example'])];
    try {
      expect(countersign(['trust', 'add-service', '--policy', policy, '--url', ledgers[0]!.url]).status).toBe(0);
      const filler = join(dir, 'filler.bin');
      writeFileSync(filler, 'filler');
      signAll([filler]);
      expect(countersign(['log', `${filler}.cose`, '--service', ledgers[1]!.url]).status).toBe(0);
      const original = readFileSync(`${artifact}.cose`);
      expect(countersign(['log', `${artifact}.cose`, '--service', ledgers[0]!.url]).status).toBe(0);

      const lock = join(dir, 'countersign.lock.json');
      const verify = (...extra: string[]): { status: number; lock?: { outcome: string; reason: string } } => {
        const run = countersign(['verify', artifact, '--trust', policy, '--lock', lock, '--json', ...extra]);
        const verdict = JSON.parse(run.stdout) as { checks: Array<{ name: string; outcome: string; reason: string }> };
        return { status: run.status, lock: verdict.checks.find((check) => check.name === 'lock') };
      };
      expect(verify()).toMatchObject({ status: 0, lock: { outcome: 'skipped' } });
      expect(verify('--update-lock')).toMatchObject({ status: 0, lock: { outcome: 'pass', reason: `recorded in ${lock}` } });
      const pinned = JSON.parse(readFileSync(lock, 'utf8')) as { artifacts: Record<string, { receipts: Array<{ entryId: string; service: string }> }> };
      expect(Object.values(pinned.artifacts)[0]!.receipts).toEqual([expect.objectContaining({ service: 'ledger.example', entryId: '0' })]);
      expect(verify()).toMatchObject({ status: 0, lock: { outcome: 'pass' } });

      // The same statement, logged by the same service (same key) under another entry: a split view.
      writeFileSync(`${artifact}.cose`, original);
      expect(countersign(['log', `${artifact}.cose`, '--service', ledgers[1]!.url]).status).toBe(0);
      const split = verify('--update-lock');
      expect(split.status).toBe(1);
      expect(split.lock).toMatchObject({ outcome: 'fail' });
      expect(split.lock?.reason).toMatch(/entry 1, but the lock pinned entry 0 \(split view\?\)/);

      // A new statement for the same artifact bytes: a re-signing.
      signAll([artifact]);
      const resigned = verify('--allow-unlogged');
      expect(resigned.status).toBe(1);
      expect(resigned.lock?.reason).toMatch(/re-signed/);
      expectOneLineError(countersign(['verify', artifact, '--trust', policy, '--update-lock']), 2, /needs a lockfile \(--lock; see: countersign verify --help\)/);
    } finally {
      await Promise.all(ledgers.map((ledger) => ledger.stop()));
    }
  });
});
