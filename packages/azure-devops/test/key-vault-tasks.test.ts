import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { receiptsOf } from '@countersign/core';
import { countersign, scratchDir } from '../../../test/cli-harness.js';
import { startKeyVault, trustVaultKey, vaultKeyChain, versionsOf, type RunningKeyVault } from '../../../test/key-vault-harness.js';
import { startServer, type RunningServer } from '../../../test/serve-harness.js';
import { AGENT_NODES, bundleTasks, expectFailed, runTask, type TaskRun } from './agent-harness.js';
import { TASK_FOLDERS } from './task-folders.js';

/** One vault key per agent runtime, so each rotates its own key from one version to two. */
const KEY_NAMES: Record<keyof typeof AGENT_NODES, string> = { Node20_1: 'release-node20', Node24: 'release-node24' };

const { dir, cleanup } = scratchDir('azure-devops-key-vault');
const workDir = join(dir, 'work');
const agent = { workDir, tempDir: join(dir, 'agent-temp') };
let vault: RunningKeyVault;
let server: RunningServer;

beforeAll(async () => {
  bundleTasks();
  mkdirSync(join(workDir, 'dist'), { recursive: true });
  mkdirSync(agent.tempDir);
  vault = await startKeyVault([...Object.values(KEY_NAMES).flatMap((name) => ['--key', `${name}:EC:P-256`]), '--key', 'untrusted:EC:P-256']);
  // The rotation statement carries only a kid: it registers only with a service whose policy trusts its issuer.
  const servicePolicy = join(dir, 'service-trust.json');
  expect(countersign(['trust', 'init', '--out', servicePolicy]).status).toBe(0);
  for (const name of Object.values(KEY_NAMES)) await trustVaultKey(vault.keys, name, servicePolicy);
  server = await startServer(['--data', join(dir, 'ledger'), '--policy', servicePolicy]);
}, 60_000);

afterAll(async () => {
  await Promise.all([vault?.stop(), server?.stop()]);
  cleanup();
});

const task = (entry: string, inputs: Record<string, string>, node: string = AGENT_NODES.Node20_1): TaskRun => runTask(TASK_FOLDERS[entry] as string, inputs, { ...agent, node });

/** The output variable lines the agent reads, as the task printed them. */
function setVariableLines(run: TaskRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('##vso[task.setvariable '));
}

/**
 * Signs dist/NAME with the vault key as `issuer`, then logs it with countersign serve; both tasks
 * succeed. The statement carries a certificate chain for the key: the log task refuses, before
 * sending, a statement with only a kid (as Microsoft's service would).
 */
function signAndLog(name: string, sign: { key: string; issuer: string; x5chain: string }, node: string): TaskRun {
  writeFileSync(join(workDir, 'dist', name), `release ${name}`);
  const signed = task('sign', { subjectPath: `dist/${name}`, keyVaultCa: vault.caPath, ...sign }, node);
  expect(signed.complete).toEqual({ result: 'Succeeded', reason: '' });
  const logged = task('log', { statementPath: `dist/${name}.cose`, serviceUrl: server.url }, node);
  expect({ complete: logged.complete, issues: logged.issues }).toEqual({ complete: { result: 'Succeeded', reason: '' }, issues: [] });
  return signed;
}

describe.each(Object.entries(KEY_NAMES))('under %s, with a Key Vault key (countersign dev key-vault, through keyVaultCa)', (handler, keyName) => {
  const node = AGENT_NODES[handler as keyof typeof AGENT_NODES];
  const keyUrl = (): string => `${vault.url}/keys/${keyName}`;
  const policy = join(dir, `trust-${keyName}.json`);

  it('sign produces a statement that verify-receipt accepts; rotate-key makes a new version, logs the rotation, moves the trust policy and sets its variables', async () => {
    const [previous] = await versionsOf(vault.keys, keyName);
    expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
    expect(countersign(['trust', 'add-service', '--policy', policy, '--url', server.url]).status).toBe(0);
    const issuer = await trustVaultKey(vault.keys, keyName, policy);
    const x5chain = join(dir, `${keyName}.chain.pem`);
    await vaultKeyChain(vault.keys, keyName, x5chain);
    const signed = signAndLog(`app-${keyName}.tgz`, { key: keyUrl(), issuer, x5chain }, node);
    expect(signed.outputs.keyVersion).toBe(`${keyUrl()}/${previous}`);
    const verified = task('verify-receipt', { subjectPath: `dist/app-${keyName}.tgz`, trustPolicy: policy }, node);
    expect({ complete: verified.complete?.result, verified: verified.outputs.verified, issues: verified.issues }).toEqual({ complete: 'Succeeded', verified: 'true', issues: [] });

    const outputDir = join(dir, `rotation-${keyName}`);
    const rotated = task('rotate-key', { key: keyUrl(), keyVaultCa: vault.caPath, trustPolicy: policy, serviceUrl: server.url, outputDir }, node);
    expect({ complete: rotated.complete, issues: rotated.issues }).toEqual({ complete: { result: 'Succeeded', reason: '' }, issues: [] });
    const versions = await versionsOf(vault.keys, keyName);
    expect(versions).toHaveLength(2);
    const next = versions.find((version) => version !== previous) as string;
    expect(setVariableLines(rotated)).toEqual(
      expect.arrayContaining([
        `##vso[task.setvariable variable=newKeyVersion;isOutput=true;issecret=false;]${keyUrl()}/${next}`,
        `##vso[task.setvariable variable=previousKeyVersion;isOutput=true;issecret=false;]${keyUrl()}/${previous}`,
      ]),
    );
    // Registered with countersign serve: an entry id, and the statement with its receipt in the output directory.
    expect(rotated.outputs.entryId).toMatch(/\S/);
    expect(rotated.outputs.statementPath).toBe(join(outputDir, `${keyName}-${next}.jwk.cose`));
    expect(receiptsOf(new Uint8Array(readFileSync(rotated.outputs.statementPath as string)))).toHaveLength(1);
    const keys = (JSON.parse(readFileSync(policy, 'utf8')) as { issuers: Array<{ keys: Array<{ notBefore?: string; notAfter?: string }> }> }).issuers[0]!.keys;
    expect(keys).toHaveLength(2);
    expect(keys[0]!.notAfter).toBe(rotated.outputs.registeredAt);
    expect(keys[1]!.notBefore).toBe(rotated.outputs.registeredAt);

    // The moved policy still trusts what the previous version signed before the rotation.
    const reverified = task('verify-receipt', { subjectPath: `dist/app-${keyName}.tgz`, trustPolicy: policy }, node);
    expect({ complete: reverified.complete?.result, verified: reverified.outputs.verified }).toEqual({ complete: 'Succeeded', verified: 'true' });
  }, 120_000);

  it('a keyVaultCa that is not a file fails sign and rotate-key in one line, and no version is made', async () => {
    const missing = join(dir, 'no-such-ca.pem');
    writeFileSync(join(workDir, 'dist', 'app-missing-ca.tgz'), 'bytes');
    const before = await versionsOf(vault.keys, 'untrusted');
    expectFailed(task('sign', { subjectPath: 'dist/app-missing-ca.tgz', key: `${vault.url}/keys/untrusted`, keyVaultCa: missing }, node), 'STEP_INPUT_NOT_FOUND');
    const rotated = task('rotate-key', { key: `${vault.url}/keys/untrusted`, keyVaultCa: missing, serviceUrl: server.url }, node);
    expectFailed(rotated, 'STEP_INPUT_NOT_FOUND');
    expect(rotated.complete?.reason).toContain(missing);
    expect(setVariableLines(rotated)).toEqual([]);
    expect(await versionsOf(vault.keys, 'untrusted')).toEqual(before);
  });
});

describe('bad Key Vault input is a Failed result with a one-line reason (Node20_1)', () => {
  it.each([
    ['a CA other than the one the emulator printed', 'other.crt.pem', 'AZURE_SERVICE_ERROR'],
    ['a file that holds no certificate', 'not-a-ca.pem', 'X509_NO_CERTIFICATE'],
  ])('%s: the vault is not reached, and nothing is signed', (_what, file, code) => {
    expect(countersign(['keygen', '--out', join(dir, 'other.pem'), '--self-signed-cert', 'Some Other CA', '--force']).status).toBe(0);
    writeFileSync(join(dir, 'not-a-ca.pem'), 'no certificate here\n');
    writeFileSync(join(workDir, 'dist', 'app-bad-ca.tgz'), 'bytes');
    const run = task('sign', { subjectPath: 'dist/app-bad-ca.tgz', key: `${vault.url}/keys/untrusted`, keyVaultCa: join(dir, file) });
    expectFailed(run, code);
    expect(existsSync(join(workDir, 'dist', 'app-bad-ca.tgz.cose'))).toBe(false);
  });

  it('keyVaultCa with a key file is refused: it applies to a Key Vault key URL', () => {
    const key = join(dir, 'file-key.pem');
    expect(countersign(['keygen', '--out', key]).status).toBe(0);
    writeFileSync(join(workDir, 'dist', 'app-file-key.tgz'), 'bytes');
    const run = task('sign', { subjectPath: 'dist/app-file-key.tgz', key, keyVaultCa: vault.caPath });
    expectFailed(run, 'TASK_INPUT_INVALID');
    expect(run.complete?.reason).toContain('keyVaultCa');
  });

  it('rotate-key with a trust policy that does not trust the key fails before making a version, and sets no variable', async () => {
    const policy = join(dir, 'trust-empty.json');
    expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
    const before = await versionsOf(vault.keys, 'untrusted');
    const run = task('rotate-key', { key: `${vault.url}/keys/untrusted`, keyVaultCa: vault.caPath, trustPolicy: policy, serviceUrl: server.url });
    expectFailed(run, 'STEP_USAGE');
    expect(setVariableLines(run)).toEqual([]);
    expect(await versionsOf(vault.keys, 'untrusted')).toEqual(before);
  });
});
