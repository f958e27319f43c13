import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { CertificateClient, WellKnownIssuer } from '@azure/keyvault-certificates';
import { KeyClient } from '@azure/keyvault-keys';
import { vaultClientOptions } from '../src/vault-connection.js';
import { startEmulatorFixture, type EmulatorFixture } from './emulator-fixture.js';
import { statusOf } from './error-code.js';

let fixture: EmulatorFixture;

beforeAll(async () => {
  fixture = await startEmulatorFixture({ keys: [{ name: 'seeded', kty: 'EC', crv: 'P-384' }] });
});

afterAll(async () => {
  await fixture.emulator.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code?: string; message?: string } };
}

/** One request as the SDK's first, unauthenticated attempt sends it, trusting only the emulator's CA. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return rawGetFrom(fixture.emulator, path, headers);
}

function rawGetFrom(emulator: { url: string; caPem: string }, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, emulator.url);
    const outgoing = request(target, { ca: emulator.caPem, headers, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('the emulator did not answer in 10 s')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('what the emulator answers without the SDK', () => {
  it('a request without a token gets the bearer challenge and the Unauthorized error body', async () => {
    const answer = await rawGet('/keys/seeded?api-version=7.5');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[0-9a-f-]+", resource="https:\/\/vault\.azure\.net"$/);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.body.error?.code).toBe('Unauthorized');
  });

  it('as a Managed HSM, the challenge names the Managed HSM resource', async () => {
    const hsm = await startEmulatorFixture({ flavor: 'managed-hsm', keys: [{ name: 'hsm-key', kty: 'EC-HSM', crv: 'P-256' }] });
    try {
      const answer = await rawGetFrom(hsm.emulator, '/keys/hsm-key?api-version=7.5');
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/resource="https:\/\/managedhsm\.azure\.net"$/);
      expect((await hsm.keys.getKey('hsm-key')).keyType).toBe('EC-HSM');
    } finally {
      await hsm.emulator.close();
    }
  });

  it('an api-version the service does not know, or none, is a BadParameter', async () => {
    const auth = { Authorization: 'Bearer any-token' };
    expect(await rawGet('/keys/seeded?api-version=6.9', auth)).toMatchObject({ status: 400, body: { error: { code: 'BadParameter' } } });
    expect(await rawGet('/keys/seeded', auth)).toMatchObject({ status: 400, body: { error: { code: 'BadParameter' } } });
    expect(await rawGet('/keys/seeded?api-version=7.5', auth)).toMatchObject({ status: 200 });
  });

  it('echoes the client request id and names a request id of its own', async () => {
    const answer = await rawGet('/keys/seeded?api-version=7.5', { Authorization: 'Bearer any-token', 'x-ms-client-request-id': 'abc-123' });
    expect(answer.headers['x-ms-client-request-id']).toBe('abc-123');
    expect(answer.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the keys API through the real KeyClient', () => {
  it('creates, reads by version and latest, lists versions, and rotates', async () => {
    const first = await fixture.keys.createRsaKey('lifecycle', { keySize: 2048 });
    expect(first.keyType).toBe('RSA');
    expect(first.keyOperations).toEqual(expect.arrayContaining(['sign', 'verify']));
    const second = await fixture.keys.rotateKey('lifecycle');
    expect((await fixture.keys.getKey('lifecycle')).id).toBe(second.id);
    expect((await fixture.keys.getKey('lifecycle', { version: first.properties.version })).id).toBe(first.id);
    const versions: string[] = [];
    for await (const properties of fixture.keys.listPropertiesOfKeyVersions('lifecycle')) versions.push(properties.version ?? '');
    expect(versions.sort()).toEqual([first.properties.version, second.properties.version].sort());
    expect((await fixture.keys.getKey('seeded')).key?.crv).toBe('P-384');
  });

  it('disables and re-enables a version; a disabled version cannot be read', async () => {
    const key = await fixture.keys.createEcKey('toggle');
    const version = key.properties.version ?? '';
    expect((await fixture.keys.updateKeyProperties('toggle', version, { enabled: false })).properties.enabled).toBe(false);
    expect(await statusOf(() => fixture.keys.getKey('toggle', { version }))).toEqual({ statusCode: 403, code: 'Forbidden' });
    expect((await fixture.keys.updateKeyProperties('toggle', version, { enabled: true })).properties.enabled).toBe(true);
    expect((await fixture.keys.getKey('toggle', { version })).properties.enabled).toBe(true);
  });

  it('reads the default rotation policy and stores a new one', async () => {
    await fixture.keys.createEcKey('rotating');
    const initial = await fixture.keys.getKeyRotationPolicy('rotating');
    expect(initial.lifetimeActions).toEqual([{ action: 'Notify', timeBeforeExpiry: 'P30D' }]);
    const updated = await fixture.keys.updateKeyRotationPolicy('rotating', { expiresIn: 'P90D', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P30D' }] });
    expect(updated).toMatchObject({ expiresIn: 'P90D', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P30D' }] });
    expect((await fixture.keys.getKeyRotationPolicy('rotating')).lifetimeActions).toEqual([{ action: 'Rotate', timeAfterCreate: 'P30D' }]);
    expect(await statusOf(() => fixture.keys.updateKeyRotationPolicy('rotating', { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'thirty days' }] }))).toEqual({
      statusCode: 400,
      code: 'BadParameter',
    });
  });

  it('answers a missing key with KeyNotFound and a bad key type with BadParameter', async () => {
    expect(await statusOf(() => fixture.keys.getKey('absent'))).toEqual({ statusCode: 404, code: 'KeyNotFound' });
    expect(await statusOf(() => fixture.keys.rotateKey('absent'))).toEqual({ statusCode: 404, code: 'KeyNotFound' });
    expect(await statusOf(() => fixture.keys.createKey('bad-type', 'oct'))).toEqual({ statusCode: 400, code: 'BadParameter' });
  });

  it('is refused by a client whose api-version it does not know', async () => {
    const tooNew = new KeyClient(fixture.emulator.url, fixture.connection.credential, { ...vaultClientOptions(fixture.connection), serviceVersion: '9.9' as never });
    expect(await statusOf(() => tooNew.getKey('seeded'))).toEqual({ statusCode: 400, code: 'BadParameter' });
  });
});

describe('the certificates API through the real CertificateClient', () => {
  it('creates a self-issued certificate whose key is the key of the same name and version', async () => {
    const certificates = new CertificateClient(fixture.emulator.url, fixture.connection.credential, vaultClientOptions(fixture.connection));
    const poller = await certificates.beginCreateCertificate('release-cert', {
      issuerName: WellKnownIssuer.Self,
      subject: 'CN=Release Signing',
      keyType: 'EC',
      keyCurveName: 'P-256',
      enhancedKeyUsage: ['1.3.6.1.5.5.7.3.3'],
      validityInMonths: 6,
    });
    const created = await poller.pollUntilDone();
    const fetched = await certificates.getCertificate('release-cert');
    expect(fetched.properties.version).toBe(created.properties.version);
    const certificate = new X509Certificate(Buffer.from(fetched.cer ?? new Uint8Array()));
    expect(certificate.subject).toBe('CN=Release Signing');
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.3']);
    const key = await fixture.keys.getKey('release-cert');
    expect(fetched.keyId).toBe(key.id);
    const b64 = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('base64url');
    expect(certificate.publicKey.export({ format: 'jwk' })).toMatchObject({ x: b64(key.key?.x), y: b64(key.key?.y) });
    expect(await statusOf(() => certificates.getCertificate('absent-cert'))).toEqual({ statusCode: 404, code: 'CertificateNotFound' });
  });
});
