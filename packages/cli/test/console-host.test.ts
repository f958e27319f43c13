import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzureError } from '@countersign/azure';
import { TransparencyError } from '@countersign/core';
import { StepError } from '@countersign/steps';
import { ConsoleHost, type ConsoleHostOptions } from '../src/console-host.js';
import { ExitCode, exitCodeOf, messageOf } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'countersign-console-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function consoleHost(options: ConsoleHostOptions = {}): { host: ConsoleHost; lines: string[] } {
  const lines: string[] = [];
  return { host: new ConsoleHost({ ...options, write: (line) => lines.push(line) }), lines };
}

describe('the CLI host', () => {
  it('prints annotations as error and warning lines, and a group heading only before the group says something', async () => {
    const { host, lines } = consoleHost();
    await host.group('quiet', async () => undefined);
    await host.group('verify', async () => host.error('a.tgz: artifact-digest: mismatch', { file: 'a.tgz', check: 'artifact-digest' }));
    host.warn('careful');
    expect(lines).toEqual(['== verify ==', 'error: a.tgz: artifact-digest: mismatch', 'warning: careful']);
  });

  it('keeps standard error to warnings and errors when quiet, and shows debug lines only when asked', () => {
    const quiet = consoleHost({ quiet: true });
    quiet.host.info('progress');
    quiet.host.debug('detail');
    quiet.host.warn('careful');
    expect(quiet.lines).toEqual(['warning: careful']);
    const debugging = consoleHost({ debug: true });
    debugging.host.debug('detail');
    expect(debugging.lines).toEqual(['debug: detail']);
  });

  it('masks secrets in what it prints and in outputs', () => {
    const { host, lines } = consoleHost();
    host.setSecret('s3cret');
    host.info('token s3cret sent');
    host.setOutput('token', 'is s3cret');
    expect(lines).toEqual(['token *** sent']);
    expect(host.outputs.token).toBe('is ***');
  });

  it('says it has nowhere to upload to, and lets the step go on', async () => {
    const { host, lines } = consoleHost();
    expect(await host.uploadArtifact('receipts', ['a.cose'])).toMatchObject({ uploaded: false });
    expect(lines).toHaveLength(1);
  });

  it('appends summaries to the --summary file when given one, and fails with OUTPUT_FAILED when it cannot', () => {
    const path = join(dir, 'summary.md');
    consoleHost({ summaryPath: path }).host.addSummary('## one\n');
    consoleHost({ summaryPath: path }).host.addSummary('## two\n');
    expect(readFileSync(path, 'utf8')).toBe('## one\n## two\n');
    expect(() => consoleHost({ summaryPath: join(dir, 'no', 'such', 'dir.md') }).host.addSummary('x')).toThrow(expect.objectContaining({ area: 'cli', code: 'OUTPUT_FAILED' }));
  });
});

describe('failures as the CLI reports them', () => {
  it('maps step codes to exit codes: a judged failure is 1, every other CountersignError 2, anything else 70', () => {
    expect(exitCodeOf(new StepError('STEP_VERIFICATION_FAILED', 'x'))).toBe(ExitCode.VERIFICATION_FAILED);
    expect(exitCodeOf(new StepError('STEP_REGISTRATION_FAILED', 'x'))).toBe(1);
    expect(exitCodeOf(new StepError('STEP_ROTATION_INCOMPLETE', 'x'))).toBe(1);
    expect(exitCodeOf(new StepError('STEP_USAGE', 'x'))).toBe(ExitCode.USAGE_OR_INPUT);
    expect(exitCodeOf(new StepError('STEP_INPUT_NOT_FOUND', 'x'))).toBe(2);
    expect(exitCodeOf(new TransparencyError('TS_TLS', 'x'))).toBe(2);
    expect(exitCodeOf(new AzureError('AZURE_KEY_NOT_FOUND', 'x'))).toBe(2);
    expect(exitCodeOf(new Error('bug'))).toBe(ExitCode.INTERNAL);
  });

  it('names the flag of the input at fault, the --force fix, the version to resume from and the --help to read', () => {
    expect(messageOf(new StepError('STEP_USAGE', 'one statement goes with one artifact', { input: 'statement' }), 'verify')).toBe('one statement goes with one artifact (--statement; see: countersign verify --help)');
    expect(messageOf(new StepError('STEP_OUTPUT_EXISTS', 'k.pem already exists'))).toBe('k.pem already exists (pass --force to replace it)');
    expect(messageOf(new StepError('STEP_ROTATION_INCOMPLETE', 'not finished', { resumeKeyUrl: 'https://v/keys/k/1' }))).toBe('not finished (--key https://v/keys/k/1)');
    expect(messageOf(new TransparencyError('TS_TLS', 'not trusted: give it'))).toBe('not trusted: give it (--service-identity FILE)');
    expect(messageOf(new StepError('STEP_INPUT_NOT_FOUND', 'statement not found: x.cose'))).toBe('statement not found: x.cose');
  });
});
