import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { countersign, countersignAsync, expectOneLineError, scratchDir, type CliRun } from './cli-harness.js';
import { startServer } from './serve-harness.js';

const { dir, cleanup } = scratchDir('outputs');
const key = join(dir, 'k.pem');
const chain = join(dir, 'k.crt.pem');
const inA = join(dir, 'a', 'x.txt');
const inB = join(dir, 'b', 'x.txt');

// A service that answers nothing useful and counts what reaches it: a refusal "before any work" means it counts zero.
let requests = 0;
const counting = createServer((request, response) => {
  requests++;
  request.resume();
  response.writeHead(500).end();
});
let countingUrl = '';

beforeAll(async () => {
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  writeFileSync(inA, 'first artifact');
  writeFileSync(inB, 'second artifact');
  expect(countersign(['keygen', '--out', key, '--self-signed-cert', 'Release Signing']).status).toBe(0);
  // Statements beside each artifact: a/x.txt.cose and b/x.txt.cose, valid for the embedded ledger.
  expect(countersign(['sign', inA, inB, '--key', key, '--x5chain', chain]).status).toBe(0);
  await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
  countingUrl = `http://127.0.0.1:${(counting.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => counting.close(resolve));
  cleanup();
});
beforeEach(() => {
  requests = 0;
});

function expectRefusalNaming(run: CliRun, first: string, second: string): void {
  expectOneLineError(run, 2, /./);
  expect(run.stderr).toContain(first);
  expect(run.stderr).toContain(second);
}

describe('sign refuses outputs that would replace one another', () => {
  it('refuses two files of one name into one --out directory, and writes nothing', () => {
    const out = join(dir, 'sign-out');
    expectRefusalNaming(countersign(['sign', inA, inB, '--key', key, '--out', out]), inA, inB);
    expect(existsSync(join(out, 'x.txt.cose'))).toBe(false);
  });

  it('refuses a statement that would be written over another input', () => {
    const artifact = join(dir, 'c', 'y.txt');
    const other = `${artifact}.cose`;
    mkdirSync(join(dir, 'c'));
    writeFileSync(artifact, 'artifact');
    writeFileSync(other, 'an input that happens to be named like a statement');
    expectRefusalNaming(countersign(['sign', artifact, other, '--key', key]), artifact, other);
    expect(readFileSync(other, 'utf8')).toBe('an input that happens to be named like a statement');
    expect(existsSync(`${other}.cose`)).toBe(false);
  });

  it('signs a file named twice (under two spellings of its path) once', () => {
    const out = join(dir, 'sign-twice');
    const run = countersign(['sign', inA, join(dir, 'a', '.', 'x.txt'), '--key', key, '--out', out]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([join(out, 'x.txt.cose')]);
    expect(run.stderr).toContain('named more than once');
  });
});

describe('log refuses outputs that would replace one another, before registering anything', () => {
  it('refuses two statements of one name into one --out directory', async () => {
    const out = join(dir, 'log-out');
    const run = await countersignAsync(['log', `${inA}.cose`, `${inB}.cose`, '--service', countingUrl, '--out', out, '--timeout', '5']);
    expectRefusalNaming(run, `${inA}.cose`, `${inB}.cose`);
    expect(requests).toBe(0);
    expect(existsSync(join(out, 'x.txt.cose'))).toBe(false);
  });

  it('refuses an --out directory where another input statement of the same name lies', async () => {
    const out = join(dir, 'a');
    const run = await countersignAsync(['log', `${inB}.cose`, `${inA}.cose`, '--service', countingUrl, '--out', out, '--timeout', '5']);
    expectRefusalNaming(run, `${inB}.cose`, `${inA}.cose`);
    expect(requests).toBe(0);
  });

  it('logs a statement named twice once, rewriting it in place', async () => {
    const server = await startServer(['--data', join(dir, 'ledger')]);
    try {
      const statement = join(dir, 'b', 'x.txt.cose');
      const before = readFileSync(statement);
      const run = await countersignAsync(['log', statement, join(dir, 'b', '..', 'b', 'x.txt.cose'), '--service', server.url, '--json']);
      expect(run.status).toBe(0);
      const results = JSON.parse(run.stdout) as Array<{ ok: boolean; output: string }>;
      expect(results).toEqual([expect.objectContaining({ ok: true, output: statement })]);
      expect(run.stderr).toContain('named more than once');
      expect(readFileSync(statement).length).toBeGreaterThan(before.length);
    } finally {
      await server.stop();
    }
  });
});

describe('a reader that closes the pipe early', () => {
  it('leaves the command its exit code and prints no stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI_BIN } = await import('./cli-harness.js');
    for (const [args, status] of [[['--help'], 0], [['verify', inA, '--trust', join(dir, 'missing.json')], 2]] as const) {
      const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
      child.stdout.destroy(); // before the command has written anything
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect({ args, code, stack: /\n\s+at /.test(stderr) }).toEqual({ args, code: status, stack: false });
    }
  });
});
