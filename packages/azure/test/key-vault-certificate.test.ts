import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { CertificateClient } from '@azure/keyvault-certificates';
import { keyIdOf, parseCertificate } from '@countersign/core';
import { parseKeyVaultCertificateReference } from '../src/certificate-url.js';
import { readVaultCertificateLeaf } from '../src/key-vault-certificate.js';
import { vaultClientOptions } from '../src/vault-connection.js';
import { errorCode, rejectionCode, statusOf } from './error-code.js';
import { startEmulatorFixture, type EmulatorFixture } from './emulator-fixture.js';
import { createOwnCa, issueLeaf, requestCertificate, vaultPublicKey } from './own-ca.js';

let fixture: EmulatorFixture;
let certificates: CertificateClient;

beforeAll(async () => {
  fixture = await startEmulatorFixture();
  certificates = new CertificateClient(fixture.emulator.url, fixture.connection.credential, vaultClientOptions(fixture.connection));
});

afterAll(async () => {
  await fixture.emulator.close();
});

const reference = (name: string) => ({ vaultUrl: fixture.emulator.url, name });

describe('a certificate from your own CA (issuer "Unknown"), through the real CertificateClient', () => {
  it('hands out a request for the vault key, refuses a leaf for another key, and serves the merged leaf', async () => {
    const csr = await requestCertificate(certificates, 'own-ca-cert', 'Release Signing');
    const publicKey = await vaultPublicKey(fixture.keys, 'own-ca-cert');
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.from(csr).indexOf(spki)).toBeGreaterThan(0);

    expect(await rejectionCode(() => readVaultCertificateLeaf(reference('own-ca-cert'), fixture.connection))).toBe('AZURE_CERTIFICATE_NOT_ISSUED');
    expect(await statusOf(() => certificates.beginCreateCertificate('own-ca-cert', { issuerName: 'Unknown', subject: 'CN=Again' }))).toEqual({ statusCode: 409, code: 'Forbidden' });

    const ca = createOwnCa();
    const stranger = createPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    expect(await statusOf(() => certificates.mergeCertificate('own-ca-cert', [issueLeaf(ca, 'Release Signing', stranger)]))).toEqual({ statusCode: 400, code: 'BadParameter' });

    const leaf = issueLeaf(ca, 'Release Signing', publicKey);
    const merged = await certificates.mergeCertificate('own-ca-cert', [leaf, ca.caCertificate]);
    expect(Buffer.from(merged.cer ?? new Uint8Array()).equals(Buffer.from(leaf))).toBe(true);
    expect((await certificates.getCertificateOperation('own-ca-cert')).getOperationState().certificateOperation?.status).toBe('completed');

    const read = await readVaultCertificateLeaf(reference('own-ca-cert'), fixture.connection);
    expect(Buffer.from(read.der).equals(Buffer.from(leaf))).toBe(true);
    expect(read.keyVersionUrl).toBe((await fixture.keys.getKey('own-ca-cert')).id);
    expect(keyIdOf(parseCertificate(read.der).publicKey)).toBe(keyIdOf(publicKey));
    expect(new X509Certificate(Buffer.from(read.der)).checkIssued(new X509Certificate(Buffer.from(ca.caCertificate)))).toBe(true);
    expect(await statusOf(() => certificates.mergeCertificate('own-ca-cert', [leaf]))).toEqual({ statusCode: 404, code: 'PendingCertificateNotFound' });
  });

  it('reads a certificate version by URL and reports a missing one with its own code', async () => {
    await requestCertificate(certificates, 'versioned-cert', 'Versioned');
    const ca = createOwnCa();
    await certificates.mergeCertificate('versioned-cert', [issueLeaf(ca, 'Versioned', await vaultPublicKey(fixture.keys, 'versioned-cert'))]);
    const version = (await certificates.getCertificate('versioned-cert')).properties.version as string;
    const byUrl = parseKeyVaultCertificateReference(`${fixture.emulator.url}/certificates/versioned-cert/${version}`, { vaultUrl: fixture.emulator.url, kind: 'emulator' });
    expect((await readVaultCertificateLeaf(byUrl, fixture.connection)).certificateVersionUrl).toBe(`${fixture.emulator.url}/certificates/versioned-cert/${version}`);
    expect(await rejectionCode(() => readVaultCertificateLeaf(reference('absent-cert'), fixture.connection))).toBe('AZURE_CERTIFICATE_NOT_FOUND');
    expect(await rejectionCode(() => readVaultCertificateLeaf({ ...reference('versioned-cert'), version: '0'.repeat(32) }, fixture.connection))).toBe('AZURE_CERTIFICATE_NOT_FOUND');
  });
});

describe('certificate references', () => {
  const vault = { vaultUrl: 'https://release.vault.azure.net', kind: 'vault' as const };
  const hsm = { vaultUrl: 'https://release.managedhsm.azure.net', kind: 'managed-hsm' as const };

  it('takes a name in the key vault, or a certificate URL with or without a version', () => {
    expect(parseKeyVaultCertificateReference('signing-cert', vault)).toEqual({ vaultUrl: vault.vaultUrl, name: 'signing-cert' });
    expect(parseKeyVaultCertificateReference('https://other.vault.azure.net/certificates/c/0123abcd', vault)).toEqual({ vaultUrl: 'https://other.vault.azure.net', name: 'c', version: '0123abcd' });
  });

  it('refuses Managed HSM (no certificates there), other hosts, other paths and plain http', () => {
    expect(errorCode(() => parseKeyVaultCertificateReference('signing-cert', hsm))).toBe('AZURE_NOT_A_CERTIFICATE_URL');
    expect(errorCode(() => parseKeyVaultCertificateReference('https://release.managedhsm.azure.net/certificates/c', vault))).toBe('AZURE_NOT_A_CERTIFICATE_URL');
    expect(errorCode(() => parseKeyVaultCertificateReference('https://example.com/certificates/c', vault))).toBe('AZURE_NOT_A_CERTIFICATE_URL');
    expect(errorCode(() => parseKeyVaultCertificateReference('https://release.vault.azure.net/keys/c', vault))).toBe('AZURE_NOT_A_CERTIFICATE_URL');
    expect(errorCode(() => parseKeyVaultCertificateReference('http://release.vault.azure.net/certificates/c', vault))).toBe('AZURE_NOT_A_CERTIFICATE_URL');
    expect(errorCode(() => parseKeyVaultCertificateReference('https://127.0.0.1:1/certificates/c', { vaultUrl: 'https://127.0.0.1:2', kind: 'emulator' }))).toBe('AZURE_NOT_A_CERTIFICATE_URL');
  });
});
