import { spawn } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KeyClient } from '@azure/keyvault-keys';
import { EmulatorCredential, vaultClientOptions } from '@countersign/azure';
import { certificateToPem, issueDevChain, keyIdOf } from '@countersign/core';
import { CLI_BIN, countersign } from './cli-harness.js';

export interface RunningKeyVault {
  /** https://127.0.0.1:PORT */
  url: string;
  /** The CA file it printed; trust it with --key-vault-ca. */
  caPath: string;
  /** Its first line on standard output, as printed. */
  firstLine: string;
  /** The real SDK, trusting the CA the emulator printed: what a test checks the vault with. */
  keys: KeyClient;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves with its exit code. */
  stop: () => Promise<number | null>;
}

const FIRST_LINE = /^listening on (https:\/\/127\.0\.0\.1:\d+) ca (\S+\.pem)$/;

/** Starts `countersign dev key-vault` as a child process and resolves once it prints where it listens (20 s at most). */
export function startKeyVault(args: string[]): Promise<RunningKeyVault> {
  const child = spawn(process.execPath, [CLI_BIN, 'dev', 'key-vault', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`countersign dev key-vault printed nothing within 20 s: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      const firstLine = stdout.slice(0, newline);
      const match = FIRST_LINE.exec(firstLine);
      if (!match) {
        void stop();
        reject(new Error(`unexpected first line: ${firstLine}`));
        return;
      }
      const [, url, caPath] = match as unknown as [string, string, string];
      const connection = { credential: new EmulatorCredential(), emulatorCaPem: readFileSync(caPath, 'utf8') };
      resolve({ url, caPath, firstLine, keys: new KeyClient(url, connection.credential, vaultClientOptions(connection)), stop });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`countersign dev key-vault exited (${code}) before listening: ${stderr}`));
    });
  });
}

/** The versions of a vault key, as the vault lists them. */
export async function versionsOf(keys: KeyClient, name: string): Promise<string[]> {
  const versions: string[] = [];
  for await (const properties of keys.listPropertiesOfKeyVersions(name)) versions.push(properties.version as string);
  return versions;
}

/** A vault EC key's current public half. */
export async function vaultPublicKey(keys: KeyClient, name: string): Promise<KeyObject> {
  const { key: jwk } = await keys.getKey(name);
  const coordinate = (bytes: Uint8Array | undefined): string => Buffer.from(bytes as Uint8Array).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: jwk?.crv as string, x: coordinate(jwk?.x), y: coordinate(jwk?.y) }, format: 'jwk' });
}

/**
 * Trusts a vault EC key's current public half in the policy (written beside it as NAME.pub.pem), under
 * the issuer sign gives such a key by default: its key id. Returns that issuer.
 */
export async function trustVaultKey(keys: KeyClient, name: string, policy: string): Promise<string> {
  const publicKey = await vaultPublicKey(keys, name);
  const publicKeyPath = join(dirname(policy), `${name}.pub.pem`);
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const issuer = keyIdOf(publicKey);
  const added = countersign(['trust', 'add-issuer', '--policy', policy, '--iss', issuer, '--key', publicKeyPath]);
  if (added.status !== 0) throw new Error(`trust add-issuer failed: ${added.stderr}`);
  return issuer;
}

/** A code-signing certificate for a vault key's current public half, from a throwaway CA: the PEM chain (leaf first) written to `path`. */
export async function vaultKeyChain(keys: KeyClient, name: string, path: string): Promise<void> {
  const now = Date.now();
  const { chain } = issueDevChain({ subject: [{ type: 'CN', value: name }], publicKey: await vaultPublicKey(keys, name), notBefore: new Date(now - 60_000), notAfter: new Date(now + 24 * 3600_000) });
  writeFileSync(path, chain.map((certificate) => certificateToPem(certificate)).join(''));
}
