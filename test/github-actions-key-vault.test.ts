import { createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_20, runActionBundle } from './action-harness.js';
import { countersign, scratchDir } from './cli-harness.js';
import { startKeyVault, type RunningKeyVault } from './key-vault-harness.js';

const { dir, cleanup } = scratchDir('github-key-vault');
let vault: RunningKeyVault;

beforeAll(async () => {
  vault = await startKeyVault(['--key', 'release:EC:P-256']);
}, 30_000);
afterAll(async () => {
  await vault?.stop();
  cleanup();
});

async function versionsOf(name: string): Promise<string[]> {
  const versions: string[] = [];
  for await (const properties of vault.keys.listPropertiesOfKeyVersions(name)) versions.push(properties.version as string);
  return versions;
}

describe('the sign and rotate-key bundles with a Key Vault key (the emulator, through key-vault-ca)', () => {
  it('sign reports the key version; rotate-key makes a new version, logs the rotation and moves the trust policy to it', async () => {
    const cwd = join(dir, 'workspace');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'app.tgz'), 'release bytes');
    const keyUrl = `${vault.url}/keys/release`;
    const sign = await runActionBundle('sign', { 'subject-path': 'app.tgz', key: keyUrl, 'key-vault-ca': vault.caPath }, { cwd, node: NODE_20 });
    expect(sign.status).toBe(0);
    const [previous] = await versionsOf('release');
    expect(sign.outputs['key-version']).toBe(`${keyUrl}/${previous}`);

    // The issuer the key signs as (its key id, as sign chose), trusted with the vault's public key.
    const issuer = JSON.parse(countersign(['inspect', join(cwd, 'app.tgz.cose'), '--json']).stdout).protected.cwtClaims.iss as string;
    const publicKey = join(cwd, 'release.pub.pem');
    const { key: jwk } = await vault.keys.getKey('release');
    const coordinate = (bytes: Uint8Array | undefined): string => Buffer.from(bytes as Uint8Array).toString('base64url');
    const spki = createPublicKey({ key: { kty: 'EC', crv: jwk?.crv as string, x: coordinate(jwk?.x), y: coordinate(jwk?.y) }, format: 'jwk' });
    writeFileSync(publicKey, spki.export({ type: 'spki', format: 'pem' }) as string);
    const policy = join(cwd, 'trust.json');
    expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
    expect(countersign(['trust', 'add-issuer', '--policy', policy, '--iss', issuer, '--key', publicKey]).status).toBe(0);

    const rotate = await runActionBundle('rotate-key', { key: keyUrl, 'key-vault-ca': vault.caPath, 'trust-policy': policy }, { cwd, node: NODE_20 });
    expect({ status: rotate.status, errors: rotate.commands.filter((command) => command.command === 'error') }).toEqual({ status: 0, errors: [] });
    const versions = await versionsOf('release');
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
