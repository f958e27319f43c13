import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { countersign } from './cli-harness.js';

/** What the monitor tests set up in a scratch directory: signing keys, releases registered through the normal path, a rogue statement. */

export interface TestSigner {
  key: string;
  chain: string;
  keyId: string;
  issuer: string;
}

export interface Registered {
  file: string;
  digest: string;
  entryId: string;
}

/** A key with a self-signed certificate, so that its statements speak as a did:x509 issuer. */
export function keygen(dir: string, name: string, commonName: string): TestSigner {
  const run = countersign(['keygen', '--out', join(dir, `${name}.pem`), '--self-signed-cert', commonName, '--json']);
  expect(run.status).toBe(0);
  const { keyId, issuer } = JSON.parse(run.stdout) as { keyId: string; issuer: string };
  return { key: join(dir, `${name}.pem`), chain: join(dir, `${name}.crt.pem`), keyId, issuer };
}

let artifacts = 0;
const freshArtifact = (dir: string): string => {
  const file = join(dir, `artifact-${artifacts++}.tgz`);
  writeFileSync(file, `artifact ${file} ${Math.random()}`);
  return file;
};

/** Signs a fresh artifact (or `existing` again) and registers it; its digest and entry id. */
export function signAndLog(dir: string, signer: Pick<TestSigner, 'key' | 'chain'>, url: string, existing?: string): Registered {
  const file = existing ?? freshArtifact(dir);
  const signed = countersign(['sign', file, '--key', signer.key, '--x5chain', signer.chain, '--json']);
  expect(signed.status).toBe(0);
  const logged = countersign(['log', `${file}.cose`, '--service', url, '--json']);
  expect(logged.status).toBe(0);
  return { file, digest: (JSON.parse(signed.stdout) as Array<{ digest: string }>)[0]!.digest, entryId: (JSON.parse(logged.stdout) as Array<{ entryId: string }>)[0]!.entryId };
}

/** Signs and registers `count` fresh artifacts with two commands. */
export function signAndLogMany(dir: string, signer: Pick<TestSigner, 'key' | 'chain'>, url: string, count: number): void {
  const files = Array.from({ length: count }, () => freshArtifact(dir));
  expect(countersign(['sign', ...files, '--key', signer.key, '--x5chain', signer.chain]).status).toBe(0);
  expect(countersign(['log', ...files.map((file) => `${file}.cose`), '--service', url]).status).toBe(0);
}

/** A release as users make one: signed, registered, verified and pinned in the lockfile. */
export function release(dir: string, signer: TestSigner, url: string, policy: string, lock: string): Registered {
  const registered = signAndLog(dir, signer, url);
  expect(countersign(['verify', registered.file, '--trust', policy, '--lock', lock, '--update-lock']).status).toBe(0);
  return registered;
}

/** A trust policy at `path` that trusts `issuer` and the service at `url` (its keys fetched and stored). */
export function trustPolicy(path: string, issuer: string, url: string): void {
  expect(countersign(['trust', 'init', '--out', path]).status).toBe(0);
  expect(countersign(['trust', 'add-issuer', '--policy', path, '--iss', issuer]).status).toBe(0);
  expect(countersign(['trust', 'add-service', '--policy', path, '--url', url]).status).toBe(0);
}
