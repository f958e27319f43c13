import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateClient } from '@azure/keyvault-certificates';
import { KeyClient } from '@azure/keyvault-keys';
import { EmulatorCredential, startKeyVaultEmulator, vaultClientOptions, type VaultConnection } from '@countersign/azure';
import { keyIdOf } from '@countersign/core';
import { countersign, countersignAsync, expectOneLineError, scratchDir } from './cli-harness.js';
import { startKeyVault, type RunningKeyVault } from './key-vault-harness.js';
import { createOwnCa, issueLeaf, requestCertificate, vaultPublicKey } from '../packages/azure/test/own-ca.js';

const { dir, cleanup } = scratchDir('kv-sign');
let vault: RunningKeyVault;
let keys: KeyClient;
let certificates: CertificateClient;

/** The options that make the CLI sign through this run's emulator. */
const through = (running: { caPath: string }): string[] => ['--azure-credential', 'emulator', '--key-vault-ca', running.caPath];

function artifact(name: string, text = `contents of ${name}`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function trustPolicy(name: string, issuer: string, publicKeyPem?: string): string {
  const policy = join(dir, `${name}.trust.json`);
  expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
  const keyArgs: string[] = [];
  if (publicKeyPem) {
    writeFileSync(join(dir, `${name}.pub.pem`), publicKeyPem);
    keyArgs.push('--key', join(dir, `${name}.pub.pem`));
  }
  const added = countersign(['trust', 'add-issuer', '--policy', policy, '--iss', issuer, ...keyArgs]);
  expect(added.status).toBe(0);
  return policy;
}

beforeAll(async () => {
  vault = await startKeyVault([
    '--key', 'es256:EC:P-256',
    '--key', 'es384:EC:P-384',
    '--key', 'es512:EC:P-521',
    '--key', 'ps256:RSA:2048',
    '--key', 'ps384:RSA:3072',
    '--key', 'ps512:RSA:2048',
  ]);
  const connection: VaultConnection = { credential: new EmulatorCredential(), emulatorCaPem: readFileSync(vault.caPath, 'utf8') };
  keys = new KeyClient(vault.url, connection.credential, vaultClientOptions(connection));
  certificates = new CertificateClient(vault.url, connection.credential, vaultClientOptions(connection));
}, 60_000);

afterAll(async () => {
  if (vault) await vault.stop();
  cleanup();
});

describe('countersign sign through Key Vault (dev key-vault), checked by countersign verify', () => {
  for (const algorithm of ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512']) {
    it(`${algorithm}: the statement verifies under a policy holding the vault key's public half`, async () => {
      const name = algorithm.toLowerCase();
      const file = artifact(`app-${name}.tar.gz`);
      const signed = countersign(['sign', file, '--key', `${vault.url}/keys/${name}`, '--alg', algorithm, ...through(vault), '--json']);
      expect(signed.status).toBe(0);
      const [result] = JSON.parse(signed.stdout) as Array<{ algorithm: string; issuer: string; keyVersionUrl: string }>;
      const publicKey = await vaultPublicKey(keys, name);
      expect(result?.algorithm).toBe(algorithm);
      expect(result?.issuer).toBe(keyIdOf(publicKey));
      expect(result?.keyVersionUrl).toBe((await keys.getKey(name)).id);
      const policy = trustPolicy(name, result?.issuer as string, publicKey.export({ type: 'spki', format: 'pem' }) as string);
      expect(countersign(['verify', file, '--statement', `${file}.cose`, '--trust', policy, '--allow-unlogged']).status).toBe(0);
      // The same policy refuses the statement for other bytes: verify can fail.
      writeFileSync(file, 'tampered');
      expect(countersign(['verify', file, '--statement', `${file}.cose`, '--trust', policy, '--allow-unlogged']).status).toBe(1);
    });
  }
});

describe('an x5chain from a Key Vault certificate', () => {
  let caPath: string;

  beforeAll(async () => {
    await requestCertificate(certificates, 'release-cert', 'Release Signing');
    const ca = createOwnCa('Release Signing CA');
    await certificates.mergeCertificate('release-cert', [issueLeaf(ca, 'Release Signing', await vaultPublicKey(keys, 'release-cert'))]);
    caPath = join(dir, 'release-ca.pem');
    writeFileSync(caPath, ca.caPem);
  });

  it('signs with the certificate key, the leaf from the vault and the CA from a file; verify resolves the did:x509 issuer', () => {
    const file = artifact('release.zip');
    const signed = countersign(['sign', file, '--key', `${vault.url}/keys/release-cert`, '--x5chain-from-key-vault', 'release-cert', '--x5chain', caPath, ...through(vault), '--json']);
    expect(signed.status).toBe(0);
    const [result] = JSON.parse(signed.stdout) as Array<{ issuer: string }>;
    expect(result?.issuer).toMatch(/^did:x509:0:sha256:[A-Za-z0-9_-]{43}::subject:CN:Release%20Signing$/);
    const policy = trustPolicy('release-cert', result?.issuer as string);
    expect(countersign(['verify', file, '--statement', `${file}.cose`, '--trust', policy, '--allow-unlogged']).status).toBe(0);
    const inspected = JSON.parse(countersign(['inspect', `${file}.cose`, '--json']).stdout) as Record<string, unknown>;
    expect(JSON.stringify(inspected)).toContain('Release Signing CA');
  });

  it('names the certificate by URL too', () => {
    const file = artifact('release-by-url.zip');
    const signed = countersign(['sign', file, '--key', `${vault.url}/keys/release-cert`, '--x5chain-from-key-vault', `${vault.url}/certificates/release-cert`, '--x5chain', caPath, ...through(vault)]);
    expect(signed.status).toBe(0);
    expect(existsSync(`${file}.cose`)).toBe(true);
  });

  it('refuses a certificate whose key is not the signing key (exit 2, one line, nothing written)', () => {
    const file = artifact('mismatch.zip');
    const run = countersign(['sign', file, '--key', `${vault.url}/keys/es256`, '--x5chain-from-key-vault', 'release-cert', '--x5chain', caPath, ...through(vault)]);
    expectOneLineError(run, 2, /^countersign: /);
    expect(existsSync(`${file}.cose`)).toBe(false);
  });

  it('refuses a certificate that was requested but never issued, and one that does not exist', async () => {
    await requestCertificate(certificates, 'unmerged-cert', 'Never Issued');
    const file = artifact('unissued.zip');
    expectOneLineError(countersign(['sign', file, '--key', `${vault.url}/keys/unmerged-cert`, '--x5chain-from-key-vault', 'unmerged-cert', ...through(vault)]), 2, /^countersign: /);
    expectOneLineError(countersign(['sign', file, '--key', `${vault.url}/keys/es256`, '--x5chain-from-key-vault', 'absent-cert', ...through(vault)]), 2, /^countersign: /);
    expect(existsSync(`${file}.cose`)).toBe(false);
  });
});

describe('bad input: one line and exit 2, nothing written', () => {
  it('a key URL that is not a Key Vault key', () => {
    const file = artifact('bad-url.bin');
    expectOneLineError(countersign(['sign', file, '--key', 'https://example.com/keys/release']), 2, /^countersign: /);
    expectOneLineError(countersign(['sign', file, '--key', `${vault.url}/secrets/release`, ...through(vault)]), 2, /^countersign: /);
    expect(existsSync(`${file}.cose`)).toBe(false);
  });

  it('a missing key, and a missing version of an existing key', () => {
    const file = artifact('missing.bin');
    expectOneLineError(countersign(['sign', file, '--key', `${vault.url}/keys/absent`, ...through(vault)]), 2, /^countersign: /);
    expectOneLineError(countersign(['sign', file, '--key', `${vault.url}/keys/es256/${'0'.repeat(32)}`, ...through(vault)]), 2, /^countersign: /);
    expect(existsSync(`${file}.cose`)).toBe(false);
  });

  it('a disabled key version', async () => {
    const disabled = await keys.createEcKey('switched-off', { curve: 'P-256', enabled: false });
    const file = artifact('disabled.bin');
    expectOneLineError(countersign(['sign', file, '--key', disabled.id as string, ...through(vault)]), 2, /^countersign: /);
    expect(existsSync(`${file}.cose`)).toBe(false);
  });

  it('a key type that cannot make the asked algorithm', () => {
    const file = artifact('wrong-alg.bin');
    expectOneLineError(countersign(['sign', file, '--key', `${vault.url}/keys/es256`, '--alg', 'ES384', ...through(vault)]), 2, /^countersign: /);
    expectOneLineError(countersign(['sign', file, '--key', `${vault.url}/keys/ps256`, '--alg', 'ES256', ...through(vault)]), 2, /^countersign: /);
    expect(existsSync(`${file}.cose`)).toBe(false);
  });

  it('--x5chain-from-key-vault with a key file, and a --concurrency out of range', () => {
    const file = artifact('usage.bin');
    const key = join(dir, 'local.pem');
    expect(countersign(['keygen', '--out', key]).status).toBe(0);
    expectOneLineError(countersign(['sign', file, '--key', key, '--x5chain-from-key-vault', 'release-cert']), 2, /^countersign: /);
    expectOneLineError(countersign(['sign', file, '--key', key, '--concurrency', '0']), 2, /^countersign: /);
    expect(existsSync(`${file}.cose`)).toBe(false);
  });
});

describe('a vault that refuses or fails (emulator in this process)', () => {
  it('a refused token', async () => {
    const refusing = await startKeyVaultEmulator({ keys: [{ name: 'release', kty: 'EC', crv: 'P-256' }], acceptToken: () => false });
    try {
      const caPath = join(dir, 'refusing-ca.pem');
      writeFileSync(caPath, refusing.caPem);
      const file = artifact('refused.bin');
      expectOneLineError(await countersignAsync(['sign', file, '--key', `${refusing.url}/keys/release`, ...through({ caPath })]), 2, /^countersign: /);
      expect(existsSync(`${file}.cose`)).toBe(false);
    } finally {
      await refusing.close();
    }
  });

  it('a signature failing mid-batch stops the batch: nothing written for it, nothing more started', async () => {
    const broken = await startKeyVaultEmulator({ keys: [{ name: 'release', kty: 'EC', crv: 'P-256' }] });
    broken.faults.corruptSignatures = true;
    try {
      const caPath = join(dir, 'broken-ca.pem');
      writeFileSync(caPath, broken.caPem);
      const batch = join(dir, 'broken-batch');
      mkdirSync(batch);
      const files = Array.from({ length: 40 }, (_, i) => join(batch, `part-${i}.bin`));
      for (const file of files) writeFileSync(file, file);
      expectOneLineError(await countersignAsync(['sign', ...files, '--key', `${broken.url}/keys/release`, '--concurrency', '4', ...through({ caPath })]), 2, /^countersign: /);
      expect(files.filter((file) => existsSync(`${file}.cose`))).toEqual([]);
      expect(broken.counters.signRequests).toBeLessThanOrEqual(4);
    } finally {
      await broken.close();
    }
  });
});

describe('a batch through a throttling vault', () => {
  let throttling: RunningKeyVault;

  beforeAll(async () => {
    throttling = await startKeyVault(['--key', 'batch:EC:P-256', '--latency-ms', '20', '--throttle-every', '3']);
  });

  afterAll(async () => {
    if (throttling) await throttling.stop();
  });

  it('60 files: every statement written in input order and verifying, progress on standard error only', async () => {
    const batch = join(dir, 'batch');
    mkdirSync(batch);
    const files = Array.from({ length: 60 }, (_, i) => join(batch, `pkg-${String(i).padStart(2, '0')}.tgz`));
    files.forEach((file, i) => writeFileSync(file, `package ${i}`));
    const run = countersign(['sign', ...files, '--key', `${throttling.url}/keys/batch`, '--concurrency', '8', ...through(throttling)], { timeoutMs: 120_000 });
    expect({ status: run.status, failure: run.stderr.split('\n').filter((line) => !line.startsWith('signed ')) }).toEqual({ status: 0, failure: [''] });
    expect(run.stdout.trim().split('\n')).toEqual(files.map((file) => `${file}.cose`));
    const progress = run.stderr.trim().split('\n');
    expect(progress.every((line) => /^signed \d+\/60$/.test(line))).toBe(true);
    expect(progress.at(-1)).toBe('signed 60/60');
    expect(progress.length).toBeGreaterThan(1);

    const connection: VaultConnection = { credential: new EmulatorCredential(), emulatorCaPem: readFileSync(throttling.caPath, 'utf8') };
    const publicKey = await vaultPublicKey(new KeyClient(throttling.url, connection.credential, vaultClientOptions(connection)), 'batch');
    const policy = trustPolicy('batch', keyIdOf(publicKey), publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const verified = countersign(['verify', ...files, '--trust', policy, '--allow-unlogged'], { timeoutMs: 60_000 });
    expect(verified.status).toBe(0);
    expect(verified.stdout.trim().split('\n')).toHaveLength(60);
  }, 180_000);
});
