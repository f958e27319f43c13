import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { KeyClient } from '@azure/keyvault-keys';
import { EmulatorCredential, KeyVaultSigner, vaultClientOptions } from '@countersign/azure';
import { CLI_BIN } from './cli-harness.js';

interface RunningEmulator {
  child: ChildProcess;
  firstLine: string;
  exited: Promise<number | null>;
}

/** Starts `countersign dev key-vault` and resolves with its first stdout line; gives up after 15 s. */
function startDevKeyVault(args: string[]): Promise<RunningEmulator> {
  const child = spawn(process.execPath, [CLI_BIN, 'dev', 'key-vault', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`countersign dev key-vault printed no first line within 15 s: ${stderr}`));
    }, 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, firstLine: stdout.slice(0, newline), exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`countersign dev key-vault exited (${code}) before listening: ${stderr}`));
    });
  });
}

async function stop(running: RunningEmulator): Promise<number | null> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
  const code = await running.exited;
  clearTimeout(timer);
  return code;
}

describe('countersign dev key-vault', () => {
  let running: RunningEmulator;
  let url: string;
  let caPath: string;

  beforeAll(async () => {
    running = await startDevKeyVault(['--port', '0', '--key', 'release:EC:P-256', '--key', 'legacy:RSA:2048', '--latency-ms', '1']);
    const match = /^listening on (https:\/\/127\.0\.0\.1:\d+) ca (\S+\.pem)$/.exec(running.firstLine);
    if (!match) throw new Error(`unexpected first line: ${running.firstLine}`);
    url = match[1] as string;
    caPath = match[2] as string;
  });

  afterAll(async () => {
    if (running) await stop(running);
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
    expect(await stop(running)).toBe(0);
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
