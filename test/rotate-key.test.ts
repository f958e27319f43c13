import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyVaultSigner, EmulatorCredential } from '@countersign/azure';
import { canonicalPublicJwk, readReceiptSummary, receiptsOf } from '@countersign/core';
import { countersign, expectOneLineError, scratchDir, type CliRun } from './cli-harness.js';
import { startKeyVault, type RunningKeyVault } from './key-vault-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

interface TrustPolicyFile {
  issuers: Array<{ iss: string; keys?: Array<{ kid: string; jwk: Record<string, unknown>; notBefore?: string; notAfter?: string }> }>;
}

interface RotationOutput {
  previousKeyVersion: string;
  newKeyVersion: string;
  previousKid: string;
  newKid: string;
  registeredAt: string;
  entryId: string;
  statementPath: string;
  publicKeyPath: string;
  resumed: boolean;
  policyChanged: boolean;
}

let vault: RunningKeyVault;
let server: RunningServer | undefined;
const { dir, cleanup } = scratchDir('rotate-key');
const at = (name: string): string => join(dir, name);

beforeAll(async () => {
  vault = await startKeyVault(['--key', 'release:EC:P-256', '--key', 'scheduled:EC:P-384', '--key', 'other:EC:P-256', '--key', 'untouched:EC:P-256']);
});

afterAll(async () => {
  await server?.stop();
  await vault?.stop();
  cleanup();
});

const vaultOptions = (): string[] => ['--azure-credential', 'emulator', '--key-vault-ca', vault.caPath];
const keyUrl = (name: string): string => `${vault.url}/keys/${name}`;
const readPolicy = (path: string): TrustPolicyFile => JSON.parse(readFileSync(path, 'utf8')) as TrustPolicyFile;

function ok(run: CliRun): CliRun {
  if (run.status !== 0) throw new Error(`countersign exited ${run.status}: ${run.stderr}`);
  return run;
}

/** The latest version's public key as a JWK file, read through the real SDK, for `trust add-issuer --key`. */
async function writePublicJwk(name: string, path: string): Promise<void> {
  const key = (await vault.keys.getKey(name)).key ?? {};
  const b64 = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array(0)).toString('base64url');
  writeFileSync(path, JSON.stringify({ kty: 'EC', crv: key.crv, x: b64(key.x), y: b64(key.y) }));
}

/** The service's registration policy: the trust policy's issuers with every window lifted, so late statements can be logged at all. */
function writeRegistrationPolicy(trustPath: string, path: string): void {
  const policy = readPolicy(trustPath);
  const issuers = policy.issuers.map((rule) => ({ ...rule, keys: rule.keys?.map(({ kid, jwk }) => ({ kid, jwk })) }));
  writeFileSync(path, JSON.stringify({ ...policy, issuers, services: [] }));
}

async function versionCount(name: string): Promise<number> {
  let count = 0;
  for await (const _version of vault.keys.listPropertiesOfKeyVersions(name)) if (++count > 100) break;
  return count;
}

function signAndLog(file: string, key: string, service: string): void {
  writeFileSync(at(file), `artifact ${file}\n`);
  ok(countersign(['sign', at(file), '--key', key, ...vaultOptions(), '--issuer', 'release-bot']));
  // A kid-signed statement is for services with a policy of keys, like this one: not Microsoft's, whose rules the local check applies.
  ok(countersign(['log', `${at(file)}.cose`, '--service', service, '--no-local-check']));
}

const verify = (file: string, trust: string): CliRun => countersign(['verify', at(file), '--trust', trust, '--json']);

/** Whole-second receipt times: the late statement must be registered in a later second than the rotation. */
async function afterSecond(iso: string): Promise<void> {
  const until = Date.parse(iso) + 1_000;
  for (let i = 0; i < 40 && Date.now() < until; i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('countersign rotate-key against the Key Vault emulator and countersign serve', () => {
  let rotation: RotationOutput;

  it('rotates, logs the rotation, and moves the trust policy to the receipt time', async () => {
    await writePublicJwk('release', at('v1.jwk'));
    ok(countersign(['trust', 'init', '--out', at('trust.json')]));
    ok(countersign(['trust', 'add-issuer', '--policy', at('trust.json'), '--iss', 'release-bot', '--key', at('v1.jwk')]));
    writeRegistrationPolicy(at('trust.json'), at('registration.json'));
    server = await startServer(['--data', at('ledger'), '--policy', at('registration.json')]);
    ok(countersign(['trust', 'add-service', '--policy', at('trust.json'), '--url', server.url]));

    signAndLog('early.txt', keyUrl('release'), server.url);

    const run = ok(countersign(['rotate-key', '--key', keyUrl('release'), ...vaultOptions(), '--policy', at('trust.json'), '--service', server.url, '--out', dir, '--json']));
    rotation = JSON.parse(run.stdout) as RotationOutput;
    expect(rotation.previousKeyVersion).toMatch(new RegExp(`^${keyUrl('release')}/[0-9a-f]+$`));
    expect(rotation.newKeyVersion).not.toBe(rotation.previousKeyVersion);
    expect(rotation.newKeyVersion).toBe((await vault.keys.getKey('release')).id);
    expect(rotation.resumed).toBe(false);
    expect(await versionCount('release')).toBe(2);

    const statement = new Uint8Array(readFileSync(rotation.statementPath));
    const [receipt] = receiptsOf(statement);
    const receiptTime = new Date((readReceiptSummary(receipt as Uint8Array).issuedAt as number) * 1000).toISOString();
    expect(rotation.registeredAt).toBe(receiptTime);

    const keys = readPolicy(at('trust.json')).issuers.find((rule) => rule.iss === 'release-bot')?.keys ?? [];
    expect(keys.map((key) => key.kid)).toEqual([rotation.previousKid, rotation.newKid]);
    expect(keys[0]?.notAfter).toBe(receiptTime);
    expect(keys[0]?.notBefore).toBeUndefined();
    expect(keys[1]?.notBefore).toBe(receiptTime);
    expect(keys[1]?.notAfter).toBeUndefined();

    // The rotation statement is a statement over the new key's JWK: the ordinary gate checks it.
    const newKey = await KeyVaultSigner.open({ credential: new EmulatorCredential(), emulatorCaPem: readFileSync(vault.caPath, 'utf8'), keyUrl: rotation.newKeyVersion });
    expect(readFileSync(rotation.publicKeyPath)).toEqual(Buffer.from(canonicalPublicJwk(await newKey.publicKey())));
    expect(countersign(['verify', rotation.publicKeyPath, '--trust', at('trust.json')]).status).toBe(0);
  });

  it('refuses a statement the previous version signed after the rotation, and accepts the early one and the new version', async () => {
    // The service keeps admitting both keys (its own policy has no windows); only the gate judges time.
    await server?.stop();
    writeRegistrationPolicy(at('trust.json'), at('registration.json'));
    server = await startServer(['--data', at('ledger'), '--policy', at('registration.json')]);
    await afterSecond(rotation.registeredAt);

    signAndLog('late.txt', rotation.previousKeyVersion, server.url);
    signAndLog('new.txt', keyUrl('release'), server.url);

    const late = verify('late.txt', at('trust.json'));
    expect(late.status).toBe(1);
    const lateChecks = (JSON.parse(late.stdout) as { checks: Array<{ name: string; outcome: string }> }).checks;
    expect(lateChecks.find((check) => check.name === 'key-validity')?.outcome).toBe('fail');
    expect(verify('early.txt', at('trust.json')).status).toBe(0);
    expect(verify('new.txt', at('trust.json')).status).toBe(0);
  });

  it('run again for the previous version, changes nothing and reports the same rotation', () => {
    const before = readFileSync(at('trust.json'));
    const again = JSON.parse(
      ok(countersign(['rotate-key', '--key', rotation.previousKeyVersion, ...vaultOptions(), '--policy', at('trust.json'), '--service', (server as RunningServer).url, '--out', dir, '--json'])).stdout,
    ) as RotationOutput;
    expect(again).toMatchObject({ newKeyVersion: rotation.newKeyVersion, registeredAt: rotation.registeredAt, entryId: rotation.entryId, resumed: true, policyChanged: false });
    expect(readFileSync(at('trust.json'))).toEqual(before);
  });

  it('a registration refused after the new version was made exits 1 naming the version to resume from; the resumed run makes no other version', async () => {
    const policy = at('other-trust.json');
    ok(countersign(['trust', 'init', '--out', policy]));
    const before = readFileSync(policy);
    // The service admits release-bot only: the rotation statement of other-bot is refused.
    const failed = countersign(['rotate-key', '--key', keyUrl('other'), ...vaultOptions(), '--issuer', 'other-bot', '--policy', policy, '--service', (server as RunningServer).url, '--out', dir, '--json']);
    expect(failed.status).toBe(1);
    const report = JSON.parse(failed.stdout) as { code: string; resumeKey: string };
    expect(report.code).toBe('STEP_ROTATION_INCOMPLETE');
    expect(await versionCount('other')).toBe(2);
    expect(readFileSync(policy)).toEqual(before);

    const resumed = JSON.parse(
      ok(countersign(['rotate-key', '--key', report.resumeKey, ...vaultOptions(), '--issuer', 'other-bot', '--policy', policy, '--ledger', at('in-process-ledger'), '--out', dir, '--json'])).stdout,
    ) as RotationOutput;
    expect(resumed.resumed).toBe(true);
    expect(resumed.previousKeyVersion).toBe(report.resumeKey);
    expect(await versionCount('other')).toBe(2);
    const keys = readPolicy(policy).issuers.find((rule) => rule.iss === 'other-bot')?.keys ?? [];
    expect(keys.map((key) => [key.kid, key.notBefore, key.notAfter])).toEqual([
      [resumed.previousKid, undefined, resumed.registeredAt],
      [resumed.newKid, resumed.registeredAt, undefined],
    ]);
  });

  it('applies a rotation policy file and, with --disable-previous, leaves the previous version unable to sign', async () => {
    writeFileSync(at('rotation-policy.json'), JSON.stringify({ lifetimeActions: [{ trigger: { timeAfterCreate: 'P90D' }, action: { type: 'Rotate' } }], attributes: { expiryTime: 'P1Y' } }));
    const rotated = JSON.parse(
      ok(
        countersign(['rotate-key', '--key', keyUrl('scheduled'), ...vaultOptions(), '--rotation-policy', at('rotation-policy.json'), '--disable-previous', '--ledger', at('in-process-ledger'), '--out', dir, '--json']),
      ).stdout,
    ) as RotationOutput;

    const schedule = await vault.keys.getKeyRotationPolicy('scheduled');
    expect(schedule.lifetimeActions).toEqual([{ action: 'Rotate', timeAfterCreate: 'P90D' }]);
    expect(schedule.expiresIn).toBe('P1Y');

    const previousVersion = rotated.previousKeyVersion.split('/').at(-1) as string;
    const states: Array<[string | undefined, boolean | undefined]> = [];
    for await (const version of vault.keys.listPropertiesOfKeyVersions('scheduled')) if (states.push([version.version, version.enabled]) > 100) break;
    expect(states).toEqual(expect.arrayContaining([[previousVersion, false], [rotated.newKeyVersion.split('/').at(-1), true]]));
    const connection = { credential: new EmulatorCredential(), emulatorCaPem: readFileSync(vault.caPath, 'utf8') };
    await expect(KeyVaultSigner.open({ ...connection, keyUrl: rotated.previousKeyVersion })).rejects.toMatchObject({ code: 'AZURE_KEY_DISABLED' });
    writeFileSync(at('after.txt'), 'after\n');
    expect(countersign(['sign', at('after.txt'), '--key', rotated.previousKeyVersion, ...vaultOptions()]).status).toBe(2);
    expect(countersign(['sign', at('after.txt'), '--key', keyUrl('scheduled'), ...vaultOptions()]).status).toBe(0);
  });

  it('refuses bad input with one line and exit 2, before the vault is changed', async () => {
    writeFileSync(at('broken.json'), '{"version": 1, "issuers": [');
    writeFileSync(at('bad-rotation-policy.json'), JSON.stringify({ lifetimeActions: [{ trigger: { timeAfterCreate: 'ninety days' }, action: { type: 'Rotate' } }] }));
    const cases: string[][] = [
      ['--key', 'https://example.com/keys/release'],
      ['--key', 'release.pem'],
      ['--key', keyUrl('missing'), ...vaultOptions()],
      ['--key', `${keyUrl('untouched')}/0123456789abcdef0123456789abcdef`, ...vaultOptions()],
      ['--key', keyUrl('untouched'), ...vaultOptions(), '--policy', at('broken.json')],
      ['--key', keyUrl('untouched'), ...vaultOptions(), '--policy', at('absent.json')],
      ['--key', keyUrl('untouched'), ...vaultOptions(), '--rotation-policy', at('bad-rotation-policy.json')],
      ['--key', keyUrl('untouched'), ...vaultOptions(), '--policy', at('trust.json')],
    ];
    for (const args of cases) expectOneLineError(countersign(['rotate-key', ...args, '--ledger', at('unused-ledger'), '--out', dir]), 2, /^countersign: /);
    expect(await versionCount('untouched')).toBe(1);
  });
});
