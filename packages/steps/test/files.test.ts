import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCountersignError } from '@countersign/core';
import { writeOutput } from '../src/io/files.js';

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
});
