import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { NODE_20, NODE_24, errorAnnotations, expectFailedStep, runActionBundle } from './action-harness.js';
import { countersign, scratchDir } from './cli-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

const { dir, cleanup } = scratchDir('github-actions');
let server: RunningServer;
// The dev setup `countersign release` creates: a key with a certificate, and a policy trusting its issuer.
const key = join(dir, '.countersign/key.pem');
const x5chain = join(dir, '.countersign/key.crt.pem');
const policy = join(dir, 'trust.json');

beforeAll(async () => {
  writeFileSync(join(dir, 'seed.txt'), 'seed');
  expect(countersign(['release', 'seed.txt'], { cwd: dir }).status).toBe(0);
  server = await startServer(['--data', join(dir, 'served-ledger')]);
  copyFileSync(join(dir, '.countersign/trust.json'), policy);
  expect(countersign(['trust', 'add-service', '--policy', policy, '--url', server.url]).status).toBe(0);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  cleanup();
});

/** A directory of its own per scenario, with the given artifacts in it. */
function workspace(name: string, artifacts: string[]): string {
  const cwd = join(dir, name);
  mkdirSync(cwd, { recursive: true });
  for (const artifact of artifacts) writeFileSync(join(cwd, artifact), `bytes of ${name}/${artifact}`);
  return cwd;
}


describe.each([
  ['Node 20', NODE_20],
  ['Node 24', NODE_24],
])('the action bundles under %s against countersign serve', (_label, node) => {
  const cwd = () => join(dir, node === NODE_20 ? 'node20' : 'node24');

  it('sign, then log, then verify-receipt succeed and set their outputs', async () => {
    workspace(node === NODE_20 ? 'node20' : 'node24', ['app.tgz', 'lib.tgz']);
    const sign = await runActionBundle('sign', { 'subject-path': '*.tgz\n', key, x5chain, 'hash-algorithm': 'sha384' }, { cwd: cwd(), node });
    expect(sign.status).toBe(0);
    expect(sign.outputs['statement-paths']).toBe('app.tgz.cose\nlib.tgz.cose');
    expect(sign.outputs.digests?.split('\n').map((digest) => digest.split(':')[0])).toEqual(['sha384', 'sha384']);

    const log = await runActionBundle('log', { 'statement-path': 'app.tgz.cose\nlib.tgz.cose', 'service-url': server.url, timeout: '30' }, { cwd: cwd(), node });
    expect(log.status).toBe(0);
    expect(Object.keys(log.outputs).sort()).toEqual(['entry-ids', 'transparent-statement-paths']);
    expect(log.outputs['entry-ids']?.split('\n')).toHaveLength(2);
    expect(log.outputs['entry-ids']?.split('\n').every((id) => id.length > 0)).toBe(true);

    const verify = await runActionBundle('verify-receipt', { 'subject-path': '*.tgz', 'trust-policy': policy }, { cwd: cwd(), node });
    expect(verify.status).toBe(0);
    expect(verify.outputs).toEqual({ verified: 'true', 'report-path': 'countersign-verify-report.json' });
    const report = JSON.parse(readFileSync(join(cwd(), 'countersign-verify-report.json'), 'utf8')) as Array<{ artifact: string; verified: boolean }>;
    expect(report.map((entry) => [entry.artifact, entry.verified])).toEqual([['app.tgz', true], ['lib.tgz', true]]);
    expect(verify.summary).toContain('2 of 2 artifact(s) verified');
    expect(errorAnnotations(verify)).toEqual([]);
  });

  it('a tampered artifact makes verify-receipt fail with an ::error annotation naming the artifact and the check', async () => {
    writeFileSync(join(cwd(), 'lib.tgz'), 'replaced after signing');
    const verify = await runActionBundle('verify-receipt', { 'subject-path': '*.tgz', 'trust-policy': policy }, { cwd: cwd(), node });
    expectFailedStep(verify, 'STEP_VERIFICATION_FAILED');
    expect(verify.outputs.verified).toBe('false');
    expect(errorAnnotations(verify)[0]?.properties).toEqual({ file: 'lib.tgz', title: 'countersign: artifact-digest' });
  });
});

describe('the gate and failures (Node 20)', () => {
  it('the root action signs, registers on the embedded ledger and verifies, with no service at all', async () => {
    const cwd = workspace('gate', ['app.tgz']);
    const gatePolicy = join(cwd, 'trust.json');
    copyFileSync(join(dir, '.countersign/trust.json'), gatePolicy);
    const gate = await runActionBundle('gate', { 'subject-path': 'app.tgz', key, x5chain, 'trust-policy': gatePolicy }, { cwd });
    expect(gate.status).toBe(0);
    expect(gate.outputs).toMatchObject({ 'statement-paths': 'app.tgz.cose', 'entry-ids': '0', verified: 'true' });
    expect(readFileSync(join(cwd, '.countersign/ledger-service-key.pem'), 'utf8')).toContain('PRIVATE KEY');
  });

  it.each([
    ['a glob that matches nothing', 'sign', { 'subject-path': 'missing/*.tgz', key }, 'STEP_INPUT_NOT_FOUND'],
    ['hash-algorithm md5', 'sign', { 'subject-path': 'app.tgz', key, 'hash-algorithm': 'md5' }, 'ACTION_INPUT_INVALID'],
    ['no key', 'sign', { 'subject-path': 'app.tgz' }, 'ACTION_INPUT_REQUIRED'],
    ['a missing trust policy', 'verify-receipt', { 'subject-path': 'app.tgz', 'trust-policy': 'absent.json' }, 'STEP_INPUT_NOT_FOUND'],
    ['update-lockfile yes', 'verify-receipt', { 'subject-path': 'app.tgz', 'trust-policy': policy, 'update-lockfile': 'yes' }, 'ACTION_INPUT_INVALID'],
  ])('%s: %s fails the step with %s, in one line', async (_case, step, inputs, code) => {
    const cwd = workspace('bad-input', ['app.tgz']);
    expectFailedStep(await runActionBundle(step, inputs, { cwd }), code);
  });

  it('under Node 24 too, bad input is one ::error line and a failed step', async () => {
    const cwd = workspace('bad-input', ['app.tgz']);
    expectFailedStep(await runActionBundle('sign', { 'subject-path': 'app.tgz', key, 'hash-algorithm': 'md5' }, { cwd, node: NODE_24 }), 'ACTION_INPUT_INVALID');
  });

  it('upload-artifact without the artifact runtime gives a notice and the step goes on', async () => {
    const cwd = workspace('upload', ['app.tgz']);
    expect((await runActionBundle('sign', { 'subject-path': 'app.tgz', key, x5chain }, { cwd })).status).toBe(0);
    const log = await runActionBundle('log', { 'statement-path': 'app.tgz.cose', 'upload-artifact': 'receipts' }, { cwd });
    expect(log.status).toBe(0);
    expect(log.commands.filter((command) => command.command === 'notice').map((command) => command.message)).toEqual([expect.stringMatching(/^not uploading receipts: the artifact runtime is absent/)]);
    expect(log.outputs['transparent-statement-paths']).toBe('app.tgz.cose');
  });

  it('log refuses a kid-only statement before sending it, and sends it with skip-local-check to a ledger whose policy trusts the key', async () => {
    const cwd = workspace('kid-only', ['app.tgz']);
    const signed = countersign(['sign', 'app.tgz', '--key', key, '--json'], { cwd });
    expect(signed.status).toBe(0);
    const { issuer } = (JSON.parse(signed.stdout) as Array<{ issuer: string }>)[0]!;
    const kidPolicy = join(cwd, 'kid-policy.json');
    expect(countersign(['trust', 'init', '--out', kidPolicy]).status).toBe(0);
    expect(countersign(['trust', 'add-issuer', '--policy', kidPolicy, '--iss', issuer, '--key', join(dir, '.countersign/key.pub.pem')]).status).toBe(0);
    const trusting = await startServer(['--data', join(cwd, 'ledger'), '--policy', kidPolicy]);
    try {
      const inputs = { 'statement-path': 'app.tgz.cose', 'service-url': trusting.url, timeout: '30' };
      const checked = await runActionBundle('log', inputs, { cwd });
      expect(checked.status).toBe(1);
      expect(errorAnnotations(checked).map((error) => error.message).join('\n')).toMatch(/only a kid/);
      const sent = await runActionBundle('log', { ...inputs, 'skip-local-check': 'true' }, { cwd });
      expect(sent.status).toBe(0);
      expect(sent.outputs['entry-ids']).toMatch(/^\S+$/);
    } finally {
      await trusting.stop();
    }
  });

  it('verify-receipt splits a large batch across every core from the bundle', async () => {
    const cores = availableParallelism();
    const names = Array.from({ length: 64 * cores }, (_, index) => `file-${String(index).padStart(4, '0')}.bin`);
    const cwd = workspace('batch', names);
    expect((await runActionBundle('sign', { 'subject-path': '*.bin', key, x5chain }, { cwd })).status).toBe(0);
    expect((await runActionBundle('log', { 'statement-path': '*.bin.cose', 'service-url': server.url }, { cwd })).status).toBe(0);
    const verify = await runActionBundle('verify-receipt', { 'subject-path': '*.bin', 'trust-policy': policy }, { cwd });
    expect(verify.status).toBe(0);
    const threads = verify.commands.filter((command) => command.command === 'debug').map((command) => /on (\d+) thread/.exec(command.message)?.[1]);
    expect(threads).toContain(String(cores));
    expect(verify.commands.filter((command) => command.command === 'warning')).toEqual([]);
  }, 60_000);
});
