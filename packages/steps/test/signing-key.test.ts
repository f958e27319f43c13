import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCountersignError, keyIdOf, LocalSigner, type Signer } from '@countersign/core';
import { isKeyVaultUrl, openSigningKey } from '../src/io/signing-key.js';

const dir = mkdtempSync(join(tmpdir(), 'countersign-signing-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for a front end's Key Vault opener: it records the URLs it is asked for. */
function vaultOpener(signer: Signer, keyVersionUrl: string) {
  const asked: string[] = [];
  return { asked, open: async (keyUrl: string) => (asked.push(keyUrl), Object.assign(Object.create(signer) as Signer, { keyVersionUrl })) };
}

describe('openSigningKey: a key input as every front end reads it', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = join(dir, 'signer.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const vaultSigner = LocalSigner.from(privateKey);

  it('reads a key file itself, never asking the vault opener', async () => {
    const vault = vaultOpener(vaultSigner, 'unused');
    const opened = await openSigningKey(keyFile, vault.open);
    expect(new TextDecoder().decode(opened.signer.keyId)).toBe(keyIdOf(publicKey));
    expect(opened.keyVersionUrl).toBeUndefined();
    expect(vault.asked).toEqual([]);
  });

  it('hands a vault key URL to the front end, and reports the version it resolved', async () => {
    const url = 'https://example.vault.azure.net/keys/release';
    const vault = vaultOpener(vaultSigner, `${url}/0123abcd`);
    const opened = await openSigningKey(url, vault.open);
    expect(vault.asked).toEqual([url]);
    expect(opened.keyVersionUrl).toBe(`${url}/0123abcd`);
  });

  it('a key file that does not exist is a typed input error', async () => {
    const code = await openSigningKey(join(dir, 'absent.pem'), vaultOpener(vaultSigner, 'unused').open).then(
      () => 'opened',
      (error: unknown) => (isCountersignError(error) ? error.code : 'untyped'),
    );
    expect(code).toBe('STEP_INPUT_NOT_FOUND');
  });

  it('only https URLs are vault keys', () => {
    expect([isKeyVaultUrl('HTTPS://x.vault.azure.net/keys/k'), isKeyVaultUrl('keys/https.pem'), isKeyVaultUrl('http://127.0.0.1/keys/k')]).toEqual([true, false, false]);
  });
});
