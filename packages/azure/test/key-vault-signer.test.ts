import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createSignedStatement, keyIdOf, SHA256, parseSignedStatement, verifyStatementSignature } from '@countersign/core';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { CryptographyClient } from '@azure/keyvault-keys';
import { vaultClientOptions } from '../src/vault-connection.js';
import { KeyVaultSigner } from '../src/key-vault-signer.js';
import { rejectionCode } from './error-code.js';
import { startEmulatorFixture, type EmulatorFixture } from './emulator-fixture.js';

let fixture: EmulatorFixture;

beforeAll(async () => {
  fixture = await startEmulatorFixture();
});

afterAll(async () => {
  await fixture.emulator.close();
});

const keyUrl = (name: string, version?: string): string => `${fixture.emulator.url}/keys/${name}${version ? `/${version}` : ''}`;
const open = (name: string, options: { version?: string; algorithm?: string } = {}): Promise<KeyVaultSigner> =>
  KeyVaultSigner.open({ ...fixture.connection, keyUrl: keyUrl(name, options.version), algorithm: options.algorithm });

function verifiesWithNodeCrypto(algorithm: string, publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const hash = `sha${algorithm.slice(2)}`;
  if (algorithm.startsWith('ES')) return verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  return verify(hash, data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
}

function jwkPublicKey(jwk: { kty?: string; crv?: string; x?: Uint8Array; y?: Uint8Array; n?: Uint8Array; e?: Uint8Array }): KeyObject {
  const b64 = (bytes: Uint8Array | undefined): string => Buffer.from(bytes as Uint8Array).toString('base64url');
  return jwk.kty?.startsWith('EC')
    ? createPublicKey({ key: { kty: 'EC', crv: jwk.crv, x: b64(jwk.x), y: b64(jwk.y) }, format: 'jwk' })
    : createPublicKey({ key: { kty: 'RSA', n: b64(jwk.n), e: b64(jwk.e) }, format: 'jwk' });
}

describe('signing through the real SDK against the emulator', () => {
  const cases = [
    { algorithm: 'ES256', create: (name: string) => fixture.keys.createEcKey(name, { curve: 'P-256' }), length: 64 },
    { algorithm: 'ES384', create: (name: string) => fixture.keys.createEcKey(name, { curve: 'P-384' }), length: 96 },
    { algorithm: 'ES512', create: (name: string) => fixture.keys.createEcKey(name, { curve: 'P-521' }), length: 132 },
    { algorithm: 'PS256', create: (name: string) => fixture.keys.createRsaKey(name, { keySize: 2048 }), length: 256 },
    { algorithm: 'PS384', create: (name: string) => fixture.keys.createRsaKey(name, { keySize: 3072 }), length: 384 },
    { algorithm: 'PS512', create: (name: string) => fixture.keys.createRsaKey(name, { keySize: 2048 }), length: 256 },
  ];

  for (const { algorithm, create, length } of cases) {
    it(`${algorithm}: the signature verifies with node:crypto and a signed statement with core's verifier`, async () => {
      const name = `sign-${algorithm.toLowerCase()}`;
      const created = await create(name);
      const signer = await open(name, algorithm.startsWith('PS') ? { algorithm } : {});
      expect(signer.algorithm.name).toBe(algorithm);
      expect(signer.keyVersionUrl).toBe(created.id);

      const publicKey = jwkPublicKey(created.key ?? {});
      expect(signer.keyIdHex).toBe(keyIdOf(publicKey));
      expect(Buffer.from(signer.keyId).toString('ascii')).toBe(signer.keyIdHex);

      const data = new TextEncoder().encode(`Sig_structure stand-in for ${algorithm}`);
      const signature = await signer.sign(data);
      expect(signature).toHaveLength(length);
      expect(verifiesWithNodeCrypto(algorithm, publicKey, data, signature)).toBe(true);
      expect(verifiesWithNodeCrypto(algorithm, publicKey, new TextEncoder().encode('other bytes'), signature)).toBe(false);

      const statement = await createSignedStatement(
        { hashAlgorithm: SHA256, digest: createHash('sha256').update('artifact').digest(), issuer: 'release-bot', subject: 'app.tar.gz' },
        signer,
      );
      const parsed = parseSignedStatement(statement);
      expect(() => verifyStatementSignature(parsed, publicKey)).not.toThrow();
    });
  }
});

describe('key versions', () => {
  it('a URL with a version keeps signing with that version after a rotation; one without takes the latest at open', async () => {
    const first = await fixture.keys.createEcKey('pinned', { curve: 'P-256' });
    const pinned = await open('pinned', { version: first.properties.version });
    const rotated = await fixture.keys.rotateKey('pinned');
    expect(rotated.properties.version).not.toBe(first.properties.version);

    const stillPinned = await open('pinned', { version: first.properties.version });
    const latest = await open('pinned');
    expect(stillPinned.keyVersionUrl).toBe(first.id);
    expect(latest.keyVersionUrl).toBe(rotated.id);
    expect(latest.keyIdHex).not.toBe(pinned.keyIdHex);

    const data = new TextEncoder().encode('after rotation');
    const firstKey = jwkPublicKey(first.key ?? {});
    expect(verifiesWithNodeCrypto('ES256', firstKey, data, await pinned.sign(data))).toBe(true);
    expect(verifiesWithNodeCrypto('ES256', firstKey, data, await stillPinned.sign(data))).toBe(true);
    expect(verifiesWithNodeCrypto('ES256', firstKey, data, await latest.sign(data))).toBe(false);
    expect(verifiesWithNodeCrypto('ES256', jwkPublicKey(rotated.key ?? {}), data, await latest.sign(data))).toBe(true);
  });
});

describe('refusals, each with its code', () => {
  it('a vault that returns a corrupted signature never yields one', async () => {
    await fixture.keys.createEcKey('corrupted', { curve: 'P-384' });
    const signer = await open('corrupted');
    fixture.emulator.faults.corruptSignatures = true;
    try {
      expect(await rejectionCode(() => signer.sign(new Uint8Array([1, 2, 3])))).toBe('AZURE_BAD_SIGNATURE');
    } finally {
      fixture.emulator.faults.corruptSignatures = false;
    }
    expect(await rejectionCode(() => signer.sign(new Uint8Array([1, 2, 3])))).toBe('ok');
  });

  it('a missing key and a missing version', async () => {
    expect(await rejectionCode(() => open('no-such-key'))).toBe('AZURE_KEY_NOT_FOUND');
    await fixture.keys.createEcKey('has-versions');
    expect(await rejectionCode(() => open('has-versions', { version: '0123456789abcdef0123456789abcdef' }))).toBe('AZURE_KEY_NOT_FOUND');
  });

  it('a disabled version, at open and when disabled after opening', async () => {
    const key = await fixture.keys.createEcKey('disabled-later');
    const signer = await open('disabled-later');
    await fixture.keys.updateKeyProperties('disabled-later', key.properties.version ?? '', { enabled: false });
    expect(await rejectionCode(() => open('disabled-later', { version: key.properties.version }))).toBe('AZURE_KEY_DISABLED');
    expect(await rejectionCode(() => signer.sign(new Uint8Array([4, 5, 6])))).toBe('AZURE_KEY_DISABLED');
  });

  it('a key that cannot make the asked algorithm', async () => {
    await fixture.keys.createRsaKey('rsa-key', { keySize: 2048 });
    await fixture.keys.createEcKey('p256-key', { curve: 'P-256' });
    await fixture.keys.createEcKey('k256-key', { curve: 'P-256K' });
    expect(await rejectionCode(() => open('rsa-key', { algorithm: 'ES256' }))).toBe('AZURE_KEY_TYPE_MISMATCH');
    expect(await rejectionCode(() => open('p256-key', { algorithm: 'ES384' }))).toBe('AZURE_KEY_TYPE_MISMATCH');
    expect(await rejectionCode(() => open('p256-key', { algorithm: 'PS256' }))).toBe('AZURE_KEY_TYPE_MISMATCH');
    expect(await rejectionCode(() => open('k256-key'))).toBe('AZURE_KEY_TYPE_MISMATCH');
    expect(await rejectionCode(() => open('rsa-key', { algorithm: 'PS384' }))).toBe('ok');
  });

  it('no token, and a token the vault refuses', async () => {
    await fixture.keys.createEcKey('needs-token');
    const noToken: TokenCredential = { getToken: async (): Promise<AccessToken | null> => null };
    expect(await rejectionCode(() => KeyVaultSigner.open({ ...fixture.connection, credential: noToken, keyUrl: keyUrl('needs-token') }))).toBe('AZURE_TOKEN_REFUSED');

    const strict = await startEmulatorFixture({ acceptToken: (token) => token === 'the-one-token' });
    try {
      await strict.emulator.state.createKey('needs-token', { kty: 'EC', crv: 'P-256' });
      expect(await rejectionCode(() => KeyVaultSigner.open({ ...strict.connection, keyUrl: `${strict.emulator.url}/keys/needs-token` }))).toBe('AZURE_TOKEN_REFUSED');
    } finally {
      await strict.emulator.close();
    }
  });

  it('an emulator URL without the emulator CA is not a key URL', async () => {
    expect(await rejectionCode(() => KeyVaultSigner.open({ credential: fixture.connection.credential, keyUrl: keyUrl('anything') }))).toBe('AZURE_NOT_A_KEY_URL');
  });
});

describe('throttling', () => {
  it('429 with Retry-After is retried by the SDK and every signature still verifies', async () => {
    const throttled = await startEmulatorFixture({ throttleEvery: 2 });
    try {
      const created = await throttled.keys.createEcKey('busy', { curve: 'P-256' });
      const signer = await KeyVaultSigner.open({ ...throttled.connection, keyUrl: `${throttled.emulator.url}/keys/busy` });
      const publicKey = jwkPublicKey(created.key ?? {});
      for (let i = 0; i < 6; i++) {
        const data = new TextEncoder().encode(`artifact ${i}`);
        expect(verifiesWithNodeCrypto('ES256', publicKey, data, await signer.sign(data))).toBe(true);
      }
      expect(throttled.emulator.counters.throttled).toBeGreaterThanOrEqual(3);
    } finally {
      await throttled.emulator.close();
    }
  });
});

describe('a batch that starts many signatures at once on a new signer', () => {
  const SIGNATURES = 8;
  // The SDK's challenge probe is answered last, as on a slow first round trip.
  const slowFirstChallenge = { challengeProbeDelayMs: 300 };

  it('(the SDK alone sends the first request without its body when another challenge finishes first)', async () => {
    const vault = await startEmulatorFixture(slowFirstChallenge);
    try {
      const created = await vault.keys.createEcKey('race', { curve: 'P-256' });
      const client = new CryptographyClient(created, vault.connection.credential, vaultClientOptions(vault.connection));
      const digest = createHash('sha256').update('artifact').digest();
      const outcomes = await Promise.allSettled(Array.from({ length: SIGNATURES }, () => client.sign('ES256', digest)));
      // If this fails, the SDK no longer loses the body and KeyVaultSigner's first-request wait can go.
      const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as { statusCode?: number; code?: string })] : []));
      expect(refusals.map(({ statusCode, code }) => `${statusCode} ${code}`)).toEqual(['400 BadParameter']);
    } finally {
      await vault.emulator.close();
    }
  });

  it('KeyVaultSigner sends its first request alone: every signature arrives whole and verifies', async () => {
    const vault = await startEmulatorFixture(slowFirstChallenge);
    try {
      const created = await vault.keys.createEcKey('race', { curve: 'P-256' });
      const signer = await KeyVaultSigner.open({ ...vault.connection, keyUrl: `${vault.emulator.url}/keys/race` });
      const publicKey = jwkPublicKey(created.key ?? {});
      const data = Array.from({ length: SIGNATURES }, (_, i) => new TextEncoder().encode(`artifact ${i}`));
      const signatures = await Promise.all(data.map((bytes) => signer.sign(bytes)));
      expect(signatures.map((signature, i) => verifiesWithNodeCrypto('ES256', publicKey, data[i] as Uint8Array, signature))).toEqual(data.map(() => true));
      expect(vault.emulator.counters.signRequests).toBe(SIGNATURES);
    } finally {
      await vault.emulator.close();
    }
  });

  it('after a first signature the vault refused, the others are still sent and answered', async () => {
    const vault = await startEmulatorFixture(slowFirstChallenge);
    try {
      await vault.keys.createEcKey('race', { curve: 'P-256' });
      const signer = await KeyVaultSigner.open({ ...vault.connection, keyUrl: `${vault.emulator.url}/keys/race` });
      vault.emulator.faults.corruptSignatures = true;
      const outcomes = await Promise.allSettled(Array.from({ length: 3 }, (_, i) => signer.sign(new TextEncoder().encode(`artifact ${i}`))));
      expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as { code?: string }).code : 'signed'))).toEqual(['AZURE_BAD_SIGNATURE', 'AZURE_BAD_SIGNATURE', 'AZURE_BAD_SIGNATURE']);
      expect(vault.emulator.counters.signRequests).toBe(3);
    } finally {
      await vault.emulator.close();
    }
  });
});
