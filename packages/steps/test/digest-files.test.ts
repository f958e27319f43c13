import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { SHA256, SHA384, SHA512, type HashAlgorithm } from '@countersign/core';
import { CHUNK_SIZE, digestFile, digestFiles } from '../src/io/digest-files.js';
import { StepError, type StepErrorCode } from '../src/errors.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const expected = (algorithm: HashAlgorithm, bytes: Uint8Array): string => createHash(algorithm.name).update(bytes).digest('hex');

/** Deterministic bytes that are not a repeating pattern a chunking bug could hide behind. */
function generated(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: StepErrorCode; message: string } | 'no error'> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StepError) return { code: error.code, message: error.message };
    throw error;
  }
  return 'no error';
}

let dir: string;
const big = generated(3 * 1024 * 1024 + 12345, 7); // more than one chunk, not a multiple of it
const files: Record<string, Uint8Array> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'countersign-digest-'));
  files.empty = new Uint8Array(0);
  files.abc = Buffer.from('abc');
  files.big = big;
  for (let i = 0; i < 12; i++) files[`small-${i}`] = generated(1000 * i + 1, i + 1);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  await mkdir(join(dir, 'a-directory'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('digestFile', () => {
  it('matches the published SHA-256 answers for the empty string and "abc"', async () => {
    expect(hex(await digestFile(join(dir, 'empty'), SHA256))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(await digestFile(join(dir, 'abc'), SHA256))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes a file larger than one read chunk like a single in-memory hash', async () => {
    expect(big.length).toBeGreaterThan(CHUNK_SIZE);
    for (const algorithm of [SHA256, SHA384, SHA512]) {
      const digest = await digestFile(join(dir, 'big'), algorithm);
      expect(digest).toHaveLength(algorithm.length);
      expect(hex(digest)).toBe(expected(algorithm, big));
    }
  });

  it('returns SHA-384 and SHA-512 of "abc" as published', async () => {
    expect(hex(await digestFile(join(dir, 'abc'), SHA384))).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
    expect(hex(await digestFile(join(dir, 'abc'), SHA512))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('reports a missing file and a directory with their own codes and one-line messages', async () => {
    const missing = join(dir, 'missing');
    expect(await codeOf(digestFile(missing, SHA256))).toEqual({ code: 'STEP_INPUT_NOT_FOUND', message: `no such file: ${missing}` });
    expect(await codeOf(digestFile(join(dir, 'abc', 'below-a-file'), SHA256))).toMatchObject({ code: 'STEP_INPUT_NOT_FOUND' });
    const directory = join(dir, 'a-directory');
    expect(await codeOf(digestFile(directory, SHA256))).toEqual({ code: 'STEP_INPUT_UNREADABLE', message: `cannot read ${directory}: is a directory` });
  });

  // root reads files whatever their mode, so the check only means something for other users.
  const asRoot = process.getuid?.() === 0;
  (asRoot || process.platform === 'win32' ? it.skip : it)('reports a file without read permission as unreadable', async () => {
    const locked = join(dir, 'locked');
    await writeFile(locked, 'secret', { mode: 0o000 });
    expect(await codeOf(digestFile(locked, SHA256))).toEqual({ code: 'STEP_INPUT_UNREADABLE', message: `cannot read ${locked}: permission denied` });
  });

  it('refuses an algorithm it does not know before touching the file', async () => {
    const md5 = { name: 'md5', coseId: -16, length: 32 } as unknown as HashAlgorithm;
    await expect(digestFile(join(dir, 'abc'), md5)).rejects.toMatchObject({ code: 'DIGEST_UNKNOWN_ALGORITHM' });
  });
});

describe('digestFiles', () => {
  const names = (): string[] => [...Object.keys(files), 'abc', 'big', 'empty'];
  const paths = (): string[] => names().map((name) => join(dir, name));

  it.each([
    ['in this thread', { concurrency: 1 }],
    ['on worker threads', { concurrency: 3, minWorkerBytes: 0 }],
  ])('returns digests and sizes in input order %s', async (_label, options) => {
    for (const algorithm of [SHA256, SHA512]) {
      const results = await digestFiles(paths(), algorithm, options);
      expect(results.map((result) => result.path)).toEqual(paths());
      results.forEach((result, i) => {
        const bytes = files[names()[i] as string] as Uint8Array;
        expect(result.size).toBe(bytes.length);
        expect(hex(result.digest)).toBe(expected(algorithm, bytes));
      });
    }
  });

  it('returns nothing for no files', async () => {
    expect(await digestFiles([], SHA256, { minWorkerBytes: 0 })).toEqual([]);
  });

  it.each([
    ['in this thread', { concurrency: 1 }],
    ['on worker threads', { concurrency: 2, minWorkerBytes: 0 }],
  ])('names the file that failed %s, wherever it comes', async (_label, options) => {
    // With two threads the first file goes to the worker and the second to this thread.
    const missing = join(dir, 'missing');
    const directory = join(dir, 'a-directory');
    for (const position of [0, 1, 2]) {
      const around = [join(dir, 'abc'), join(dir, 'big')];
      expect(await codeOf(digestFiles([...around.slice(0, position), missing, ...around.slice(position)], SHA256, options))).toEqual({
        code: 'STEP_INPUT_NOT_FOUND',
        message: `no such file: ${missing}`,
      });
      expect(await codeOf(digestFiles([...around.slice(0, position), directory, ...around.slice(position)], SHA256, options))).toEqual({
        code: 'STEP_INPUT_UNREADABLE',
        message: `cannot read ${directory}: is a directory`,
      });
    }
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(await codeOf(digestFiles([join(dir, 'abc')], SHA256, { concurrency }))).toMatchObject({ code: 'STEP_USAGE' });
    }
  });

  it('turns a crashed worker into a StepError naming its file and terminates every worker', async () => {
    const terminated: number[] = [];
    class CrashingWorker extends EventEmitter {
      static count = 0;
      readonly id = CrashingWorker.count++;
      postMessage(): void {
        setImmediate(() => this.emit('error', new Error('out of memory\nwith a stack')));
      }
      async terminate(): Promise<number> {
        terminated.push(this.id);
        setImmediate(() => this.emit('exit', 1));
        return 1;
      }
    }
    jest.unstable_mockModule('node:worker_threads', () => ({ Worker: CrashingWorker }));
    await jest.isolateModulesAsync(async () => {
      const isolated = await import('../src/io/digest-files.js');
      const first = join(dir, 'small-3');
      // Three threads: two workers, which crash, and this one, which hashes the last file.
      const error = await isolated.digestFiles([first, join(dir, 'big'), join(dir, 'abc')], SHA256, { concurrency: 3, minWorkerBytes: 0 }).then(
        () => undefined,
        (thrown: unknown) => thrown as { code?: string; message?: string },
      );
      expect(error).toMatchObject({ code: 'STEP_INPUT_UNREADABLE', message: `cannot hash ${first}: worker failed: out of memory` });
    });
    expect(terminated.sort()).toEqual([0, 1]);
  });
});
