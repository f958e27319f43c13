import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { addIssuer, emptyPolicy, LocalSigner, type Signer } from '@countersign/core';
import { TransparencyLedger } from './transparency-ledger.js';

/** The service key of an embedded ledger: read from `path`, or created there (ES256, mode 0600) on first use. */
export async function serviceKeyAt(path: string): Promise<{ signer: Signer; created: boolean }> {
  try {
    return { signer: LocalSigner.from(await readFile(path)), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await mkdir(dirname(path), { recursive: true });
  // 'wx': two processes meeting a fresh ledger must not each write a key and sign with different ones.
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' });
  return { signer: LocalSigner.from(privateKey), created: true };
}

/** A stable default issuer name for a ledger: it must not change when the server moves to another port. */
export function defaultLedgerIssuer(signer: Signer): string {
  return `countersign-ledger-${Buffer.from(signer.keyId).toString('utf8').slice(0, 16)}`;
}

/** Where a ledger's service key lives unless told otherwise: beside the ledger directory, which holds only the ledger's own files. */
export function defaultServiceKeyPath(ledgerDir: string): string {
  return join(dirname(ledgerDir), `${basename(ledgerDir)}-service-key.pem`);
}

/**
 * Opens the ledger in `dir` in this process with its default service key, as a front end's service.
 * Told who will register, it admits exactly that issuer's key (a statement with only a kid needs a
 * policy there); otherwise it admits what verifies with its own x5chain, as Microsoft's service does.
 */
export async function openEmbeddedLedger(dir: string, registrant?: { issuer: string; publicKey: KeyObject }, now?: Date): Promise<TransparencyLedger> {
  const { signer } = await serviceKeyAt(defaultServiceKeyPath(dir));
  return TransparencyLedger.open({
    dir,
    serviceKey: signer,
    issuer: defaultLedgerIssuer(signer),
    trust: registrant ? addIssuer(emptyPolicy(), { iss: registrant.issuer, key: registrant.publicKey }) : undefined,
    clock: now ? () => now : undefined,
  });
}
