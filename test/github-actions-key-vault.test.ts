import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_20, runActionBundle } from './action-harness.js';
import { countersign, scratchDir } from './cli-harness.js';
import { startKeyVault, trustVaultKey, versionsOf, type RunningKeyVault } from './key-vault-harness.js';

const { dir, cleanup } = scratchDir('github-key-vault');
let vault: RunningKeyVault;

beforeAll(async () => {
  vault = await startKeyVault(['--key', 'release:EC:P-256']);
}, 30_000);
afterAll(async () => {
  await vault?.stop();
  cleanup();
});

describe('the sign and rotate-key bundles with a Key Vault key (the emulator, through key-vault-ca)', () => {
  it('sign reports the key version; rotate-key makes a new version, logs the rotation and moves the trust policy to it', async () => {
    const cwd = join(dir, 'workspace');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'app.tgz'), 'release bytes');
    const keyUrl = `${vault.url}/keys/release`;
    const sign = await runActionBundle('sign', { 'subject-path': 'app.tgz', key: keyUrl, 'key-vault-ca': vault.caPath }, { cwd, node: NODE_20 });
    expect(sign.status).toBe(0);
    const [previous] = await versionsOf(vault.keys, 'release');
    expect(sign.outputs['key-version']).toBe(`${keyUrl}/${previous}`);

    const policy = join(cwd, 'trust.json');
    expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
    const issuer = await trustVaultKey(vault.keys, 'release', policy);
    expect(JSON.parse(countersign(['inspect', join(cwd, 'app.tgz.cose'), '--json']).stdout).protected.cwtClaims.iss).toBe(issuer);

    const rotate = await runActionBundle('rotate-key', { key: keyUrl, 'key-vault-ca': vault.caPath, 'trust-policy': policy }, { cwd, node: NODE_20 });
    expect({ status: rotate.status, errors: rotate.commands.filter((command) => command.command === 'error') }).toEqual({ status: 0, errors: [] });
    const versions = await versionsOf(vault.keys, 'release');
    expect(versions).toHaveLength(2);
    const next = versions.find((version) => version !== previous) as string;
    expect(rotate.outputs['previous-key-version']).toBe(`${keyUrl}/${previous}`);
    expect(rotate.outputs['new-key-version']).toBe(`${keyUrl}/${next}`);
    const keys = (JSON.parse(readFileSync(policy, 'utf8')) as { issuers: Array<{ keys: Array<{ notBefore?: string; notAfter?: string }> }> }).issuers[0]!.keys;
    expect(keys).toHaveLength(2);
    expect(keys[0]!.notAfter).toBe(rotate.outputs['registered-at']);
    expect(keys[1]!.notBefore).toBe(rotate.outputs['registered-at']);
  }, 60_000);

  it('a key-vault-ca that is not a file fails the step in one line', async () => {
    const cwd = join(dir, 'missing-ca');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'app.tgz'), 'bytes');
    const run = await runActionBundle('sign', { 'subject-path': 'app.tgz', key: `${vault.url}/keys/release`, 'key-vault-ca': 'no-such-ca.pem' }, { cwd, node: NODE_20 });
    expect(run.status).toBe(1);
    expect(run.commands.filter((command) => command.command === 'error').at(-1)?.message).toMatch(/\[STEP_INPUT_NOT_FOUND\]$/);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
  });
});
