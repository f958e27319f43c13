import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { countersign, scratchDir } from '../../../test/cli-harness.js';
import { startServer, type RunningServer } from '../../../test/serve-harness.js';
import { AGENT_NODES, bundleTasks, expectFailed, runTask } from './agent-harness.js';
import { PACKAGE_DIR, TASK_FOLDERS, taskJson } from './task-folders.js';

const { dir, cleanup } = scratchDir('azure-devops');
const workDir = join(dir, 'work');
const agent = { workDir, tempDir: join(dir, 'agent-temp') };
const key = join(dir, 'signer.pem');
const chain = join(dir, 'signer.crt.pem');
const policy = join(dir, 'trust.json');
let server: RunningServer;

beforeAll(async () => {
  bundleTasks();
  mkdirSync(join(workDir, 'dist'), { recursive: true });
  mkdirSync(agent.tempDir);
  const keygen = countersign(['keygen', '--out', key, '--self-signed-cert', 'Pipeline Signer', '--json']);
  expect(keygen.status).toBe(0);
  expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
  expect(countersign(['trust', 'add-issuer', '--policy', policy, '--iss', (JSON.parse(keygen.stdout) as { issuer: string }).issuer]).status).toBe(0);
  server = await startServer(['--data', join(dir, 'ledger')]);
  expect(countersign(['trust', 'add-service', '--policy', policy, '--url', server.url]).status).toBe(0);
});

afterAll(async () => {
  await server?.stop();
  cleanup();
});

function signAndLog(name: string, node?: string): string {
  const artifact = join(workDir, 'dist', name);
  writeFileSync(artifact, `release ${name}`);
  const signed = runTask(TASK_FOLDERS.sign as string, { subjectPath: `dist/${name}`, key, x5chain: chain }, { ...agent, node });
  expect(signed.complete?.result).toBe('Succeeded');
  expect(signed.outputs.statementPaths).toBe(`${artifact}.cose`);
  expect(signed.outputs.digests).toMatch(/^sha256:[0-9a-f]{64}$/);
  const logged = runTask(TASK_FOLDERS.log as string, { statementPath: `dist/${name}.cose`, serviceUrl: server.url }, { ...agent, node });
  expect(logged.complete?.result).toBe('Succeeded');
  expect(logged.outputs.entryIds).toMatch(/\S/);
  expect(logged.outputs.transparentStatementPaths).toBe(`${artifact}.cose`);
  return artifact;
}

describe('the tasks run as the agent runs them', () => {
  it('every execution target exists once bundled', () => {
    for (const folder of Object.values(TASK_FOLDERS)) {
      for (const { target } of Object.values(taskJson(folder).execution)) expect(existsSync(join(PACKAGE_DIR, 'tasks', folder, target))).toBe(true);
    }
  });

  it.each(Object.entries(AGENT_NODES))('under %s: sign, log (countersign serve) and verify-receipt succeed, set their output variables and attach the summary', (handler, node) => {
    const name = `app-1.0-${handler}.tgz`;
    const artifact = signAndLog(name, node);
    const verified = runTask(TASK_FOLDERS['verify-receipt'] as string, { subjectPath: `dist/${name}`, trustPolicy: policy }, { ...agent, node });
    expect(verified.complete?.result).toBe('Succeeded');
    expect(verified.outputs.verified).toBe('true');
    expect(verified.issues).toEqual([]);
    expect(verified.summaries).toHaveLength(1);
    expect(readFileSync(verified.summaries[0] as string, 'utf8')).toContain(artifact);
  });

  it('log refuses a kid-only statement before sending it, and sends it with skipLocalCheck to a ledger whose policy trusts the key', async () => {
    const artifact = join(workDir, 'dist', 'kid-only.tgz');
    writeFileSync(artifact, 'kid only');
    const signed = countersign(['sign', artifact, '--key', key, '--json']);
    expect(signed.status).toBe(0);
    const kidPolicy = join(dir, 'kid-policy.json');
    expect(countersign(['trust', 'init', '--out', kidPolicy]).status).toBe(0);
    const { issuer } = (JSON.parse(signed.stdout) as Array<{ issuer: string }>)[0]!;
    expect(countersign(['trust', 'add-issuer', '--policy', kidPolicy, '--iss', issuer, '--key', chain]).status).toBe(0);
    const trusting = await startServer(['--data', join(dir, 'kid-ledger'), '--policy', kidPolicy]);
    try {
      const inputs = { statementPath: 'dist/kid-only.tgz.cose', serviceUrl: trusting.url };
      const checked = runTask(TASK_FOLDERS.log as string, inputs, agent);
      expect(checked.complete?.result).toBe('Failed');
      expect(checked.stdout).toMatch(/only a kid/);
      const sent = runTask(TASK_FOLDERS.log as string, { ...inputs, skipLocalCheck: 'true' }, agent);
      expect(sent.complete?.result).toBe('Succeeded');
      expect(sent.outputs.entryIds).toMatch(/^\S+$/);
    } finally {
      await trusting.stop();
    }
  });

  it('a tampered artifact fails verify-receipt with an error issue naming the artifact and the failed check', () => {
    const artifact = signAndLog('app-2.0.tgz');
    writeFileSync(artifact, 'something else');
    const run = runTask(TASK_FOLDERS['verify-receipt'] as string, { subjectPath: 'dist/app-2.0.tgz', trustPolicy: policy }, agent);
    expectFailed(run, 'STEP_VERIFICATION_FAILED');
    expect(run.outputs.verified).toBe('false');
    expect(run.summaries).toHaveLength(1);
    expect(run.issues.map((issue) => issue.properties)).toContainEqual({ type: 'error', sourcepath: artifact, code: 'artifact-digest' });
  });

  it('verify-receipt splits a large batch across every core, its worker beside the bundle', () => {
    const cores = availableParallelism();
    mkdirSync(join(workDir, 'batch'));
    for (let index = 0; index < 64 * cores; index++) writeFileSync(join(workDir, 'batch', `file-${index}.bin`), `artifact ${index}`);
    expect(runTask(TASK_FOLDERS.sign as string, { subjectPath: 'batch/*.bin', key, x5chain: chain }, agent).complete?.result).toBe('Succeeded');
    expect(runTask(TASK_FOLDERS.log as string, { statementPath: 'batch/*.bin.cose', serviceUrl: server.url }, agent).complete?.result).toBe('Succeeded');
    const verified = runTask(TASK_FOLDERS['verify-receipt'] as string, { subjectPath: 'batch/*.bin', trustPolicy: policy }, agent);
    expect({ complete: verified.complete?.result, issues: verified.issues }).toEqual({ complete: 'Succeeded', issues: [] });
    expect(verified.stdout).toContain(`##vso[task.debug]verifying ${64 * cores} artifact(s) on ${cores} thread(s)`);
  }, 60_000);

  it('log registers with the embedded ledger when serviceUrl is empty', () => {
    writeFileSync(join(workDir, 'dist', 'tool.bin'), 'tool');
    expect(runTask(TASK_FOLDERS.sign as string, { subjectPath: 'dist/tool.bin', key, x5chain: chain }, agent).complete?.result).toBe('Succeeded');
    const logged = runTask(TASK_FOLDERS.log as string, { statementPath: 'dist/tool.bin.cose', ledgerDir: join(dir, 'embedded') }, agent);
    expect(logged.complete?.result).toBe('Succeeded');
    expect(logged.outputs.entryIds).toMatch(/\S/);
  });
});

describe('bad input is a failed result with a one-line reason', () => {
  it.each([
    ['a pattern that matches nothing', 'sign', { subjectPath: 'dist/*.zip', key }, 'TASK_NO_MATCH'],
    ['an unknown hashAlgorithm', 'sign', { subjectPath: 'dist/*', key, hashAlgorithm: 'md5' }, 'TASK_INPUT_INVALID'],
    ['a trust policy that does not exist', 'verify-receipt', { subjectPath: 'dist/app-1.0.tgz', trustPolicy: join(dir, 'absent.json') }, 'STEP_INPUT_NOT_FOUND'],
    ['a boolean that is neither true nor false', 'verify-receipt', { subjectPath: 'dist/app-1.0.tgz', trustPolicy: policy, updateLockfile: 'yes' }, 'TASK_INPUT_INVALID'],
    ['a key file for rotate-key', 'rotate-key', { key }, 'TASK_INPUT_INVALID'],
  ])('%s', (_what, entry, inputs, code) => {
    writeFileSync(join(workDir, 'dist', 'app-1.0.tgz'), 'release app-1.0.tgz');
    expectFailed(runTask(TASK_FOLDERS[entry] as string, inputs, agent), code);
  });

  it('a service connection without workload identity federation is refused, and the job token never printed', () => {
    const token = 'job-access-token-never-printed';
    const run = runTask(TASK_FOLDERS.sign as string, { subjectPath: 'dist/app-1.0.tgz', key: 'https://example.vault.azure.net/keys/release', azureSubscription: 'conn1' }, {
      ...agent,
      env: { ENDPOINT_AUTH_SCHEME_CONN1: 'ServicePrincipal', ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN: token },
    });
    expectFailed(run, 'TASK_SERVICE_CONNECTION');
    expect(run.complete?.reason).toContain('azureSubscription');
    expect(`${run.stdout}${run.stderr}`).not.toContain(token);
  });

  it('a federated service connection on an agent without its OIDC endpoint names what is missing, and the job token never printed', () => {
    const token = 'job-access-token-never-printed';
    const run = runTask(TASK_FOLDERS.sign as string, { subjectPath: 'dist/app-1.0.tgz', key: 'https://example.vault.azure.net/keys/release', azureSubscription: 'conn1' }, {
      ...agent,
      env: {
        ENDPOINT_AUTH_SCHEME_CONN1: 'WorkloadIdentityFederation',
        ENDPOINT_AUTH_PARAMETER_CONN1_SERVICEPRINCIPALID: '00000000-0000-0000-0000-000000000001',
        ENDPOINT_AUTH_PARAMETER_CONN1_TENANTID: '00000000-0000-0000-0000-000000000002',
        ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN: token,
      },
    });
    expectFailed(run, 'TASK_SERVICE_CONNECTION');
    expect(run.complete?.reason).toContain('System.OidcRequestUri');
    expect(`${run.stdout}${run.stderr}`).not.toContain(token);
  });
});
