import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCountersignError } from '@countersign/core';
import { WITHOUT_SIZE_LIMIT, readInputSync, readSmallInputSync, withSmallInputSync, writeOutput } from '../src/io/files.js';

const dir = mkdtempSync(join(tmpdir(), 'countersign-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WRITERS = 48;
// Large enough that a write is not one syscall, and each writer's bytes are recognisable throughout.
const payload = (writer: number): Buffer => Buffer.alloc(256 * 1024, writer + 1);

async function outcome(promise: Promise<void>): Promise<string> {
  try {
    await promise;
    return 'written';
  } catch (error) {
    if (isCountersignError(error)) return error.code;
    throw error;
  }
}

describe('writeOutput', () => {
  it('leaves one complete file and no temporary files after many concurrent writes to one path', async () => {
    const target = join(dir, 'concurrent', 'x.txt.cose');
    const outcomes = await Promise.all(Array.from({ length: WRITERS }, (_, writer) => outcome(writeOutput(target, payload(writer)))));
    expect(outcomes).toEqual(Array(WRITERS).fill('written'));
    const written = readFileSync(target);
    expect(written.length).toBe(256 * 1024);
    expect(written.equals(payload(written[0]! - 1))).toBe(true);
    expect(readdirSync(join(dir, 'concurrent'))).toEqual(['x.txt.cose']);
  });

  it('lets exactly one of many concurrent exclusive writes win, keeps its bytes whole and leaves no temporary files', async () => {
    const target = join(dir, 'exclusive', 'key.pem');
    const outcomes = await Promise.all(Array.from({ length: WRITERS }, (_, writer) => outcome(writeOutput(target, payload(writer), { exclusive: true, mode: 0o600 }))));
    expect(outcomes.filter((result) => result === 'written')).toHaveLength(1);
    expect(outcomes.filter((result) => result === 'STEP_OUTPUT_EXISTS')).toHaveLength(WRITERS - 1);
    const winner = outcomes.indexOf('written');
    expect(readFileSync(target).equals(payload(winner))).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'exclusive'))).toEqual(['key.pem']);
  });

  it('removes its temporary file when the final rename fails', async () => {
    const parent = join(dir, 'failing');
    mkdirSync(join(parent, 'occupied', 'inside'), { recursive: true });
    // Renaming a file over a non-empty directory fails after the temporary file is complete.
    expect(await outcome(writeOutput(join(parent, 'occupied'), 'statement'))).toBe('STEP_OUTPUT_FAILED');
    expect(readdirSync(parent)).toEqual(['occupied']);
  });

  it('makes missing directories only when the first write finds them missing, and fails plainly under a file', async () => {
    const target = join(dir, 'deep', 'er', 'x.cose');
    expect(await outcome(writeOutput(target, 'first'))).toBe('written');
    expect(await outcome(writeOutput(join(dir, 'deep', 'er', 'y.cose'), 'second'))).toBe('written');
    expect(readdirSync(join(dir, 'deep', 'er')).sort()).toEqual(['x.cose', 'y.cose']);
    expect(await outcome(writeOutput(join(target, 'under-a-file.cose'), 'third'))).toBe('STEP_OUTPUT_FAILED');
  });
});

function codeOf(read: () => unknown): string {
  try {
    read();
    return 'read';
  } catch (error) {
    if (isCountersignError(error)) return error.code;
    throw error;
  }
}

describe('reading small inputs whole (batch verification)', () => {
  const file = (name: string, bytes: Uint8Array | string): string => {
    const path = join(dir, 'small', name);
    mkdirSync(join(dir, 'small'), { recursive: true });
    writeFileSync(path, bytes);
    return path;
  };
  // Distinct bytes throughout, so a part read twice, skipped or left from another file shows.
  const pattern = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed + (i >> 8)) & 0xff));

  it('reads files below, at and far past the reused buffer exactly, each as its own bytes', () => {
    const sizes = [1, 1024, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 300 * 1024 + 3];
    const paths = sizes.map((size, i) => file(`sized-${size}`, pattern(size, i)));
    const read = paths.map((path) => readSmallInputSync(path, 'artifact', 1024 * 1024));
    // Read them all first: a later read must not change what an earlier one returned.
    read.forEach((bytes, i) => expect(Buffer.from(bytes!).equals(pattern(sizes[i]!, i))).toBe(true));
  });

  it('lends the bytes to a callback without a copy, and answers what the callback returns', () => {
    const path = file('lent', pattern(5000, 9));
    expect(withSmallInputSync(path, 'artifact', 1024 * 1024, (bytes) => Buffer.from(bytes).equals(pattern(5000, 9)))).toBe(true);
  });

  it('reads an empty file as no bytes', () => {
    expect(readSmallInputSync(file('empty', ''), 'artifact', 1024)).toEqual(new Uint8Array(0));
  });

  it('takes a file of exactly the limit and refuses one byte more, in and past the reused buffer', () => {
    for (const limit of [1000, 200 * 1024]) {
      expect(readSmallInputSync(file(`at-${limit}`, pattern(limit, 1)), 'statement', limit)?.length).toBe(limit);
      const over = file(`over-${limit}`, pattern(limit + 1, 2));
      expect(readSmallInputSync(over, 'statement', limit)).toBeUndefined();
      expect(codeOf(() => readInputSync(over, 'statement', limit))).toBe('STEP_INPUT_UNREADABLE');
    }
  });

  it('never takes in more than the limit of a file that grows while it is read', async () => {
    const path = file('growing', pattern(80 * 1024, 3));
    const limit = 512 * 1024;
    // Another process appends for a while; whatever it has written when a read happens, the read is whole or refused.
    const writer = spawn(process.execPath, ['-e', `const fs = require('node:fs'); const end = Date.now() + 1500; while (Date.now() < end && fs.statSync(process.argv[1]).size < 8 * 1024 * 1024) fs.appendFileSync(process.argv[1], Buffer.alloc(4096, 1));`, path], { stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    const lengths: (number | undefined)[] = [];
    for (let i = 0; i < 200 && writer.exitCode === null; i++) {
      lengths.push(readSmallInputSync(path, 'artifact', limit)?.length);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await exited;
    expect(lengths.length).toBeGreaterThan(0);
    for (const length of lengths) if (length !== undefined) expect(length).toBeLessThanOrEqual(limit);
    // Once it is past the limit, it is refused.
    appendFileSync(path, Buffer.alloc(limit, 2));
    expect(readSmallInputSync(path, 'artifact', limit)).toBeUndefined();
  });

  it('reads a device that never ends only up to the limit for inputs without a size', () => {
    if (!existsSync('/dev/zero')) return;
    expect(WITHOUT_SIZE_LIMIT).toBe(64 * 1024 * 1024);
    expect(readSmallInputSync('/dev/zero', 'artifact', 1024)).toBeUndefined();
  });

  it('refuses a directory and a missing file with the codes it always had', () => {
    mkdirSync(join(dir, 'small', 'a-directory'), { recursive: true });
    expect(codeOf(() => readSmallInputSync(join(dir, 'small', 'a-directory'), 'statement', 1024))).toBe('STEP_INPUT_UNREADABLE');
    expect(codeOf(() => readInputSync(join(dir, 'small', 'a-directory'), 'statement', 1024))).toBe('STEP_INPUT_UNREADABLE');
    expect(codeOf(() => readSmallInputSync(join(dir, 'small', 'missing.cose'), 'statement', 1024))).toBe('STEP_INPUT_NOT_FOUND');
    expect(codeOf(() => readSmallInputSync(join(dir, 'small', 'empty', 'below-a-file'), 'statement', 1024))).toBe('STEP_INPUT_NOT_FOUND');
  });
});
