import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { KeyClient } from '@azure/keyvault-keys';
import { EmulatorCredential, KeyVaultSigner, vaultClientOptions } from '@countersign/azure';
import { CLI_BIN } from './cli-harness.js';
import { startKeyVault, type RunningKeyVault } from './key-vault-harness.js';

describe('countersign dev key-vault', () => {
  let running: RunningKeyVault;
  let url: string;
  let caPath: string;

  beforeAll(async () => {
    running = await startKeyVault(['--key', 'release:EC:P-256', '--key', 'legacy:RSA:2048', '--latency-ms', '1']);
    ({ url, caPath } = running);
  });

  afterAll(async () => {
    if (running) await running.stop();
  });

  it('serves the keys it was given to the real SDK, trusting the CA it printed', async () => {
    const connection = { credential: new EmulatorCredential(), emulatorCaPem: readFileSync(caPath, 'utf8') };
    const keys = new KeyClient(url, connection.credential, vaultClientOptions(connection));
    expect((await keys.getKey('release')).key?.crv).toBe('P-256');
    expect((await keys.getKey('legacy')).keyType).toBe('RSA');
    const signer = await KeyVaultSigner.open({ ...connection, keyUrl: `${url}/keys/release` });
    expect(signer.algorithm.name).toBe('ES256');
    expect(await signer.sign(new TextEncoder().encode('hello'))).toHaveLength(64);
  });

  it('stops on SIGTERM with exit code 0 and removes its CA file', async () => {
    expect(existsSync(caPath)).toBe(true);
    expect(await running.stop()).toBe(0);
    expect(existsSync(caPath)).toBe(false);
  });

  it('refuses a malformed --key as a usage error', async () => {
    const refused = spawn(process.execPath, [CLI_BIN, 'dev', 'key-vault', '--key', 'release:DSA'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    const timer = setTimeout(() => refused.kill('SIGKILL'), 10_000);
    const code = await new Promise<number | null>((resolve) => refused.once('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(2);
  });
});
