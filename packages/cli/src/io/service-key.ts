import { generateKeyPairSync } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { LocalSigner, type Signer } from '@countersign/core';
import { exists, readInput, writeOutput } from '@countersign/steps';

/** The service key of an embedded ledger: read from `path`, or created there (ES256, mode 0600) on first use. */
export async function serviceKeyAt(path: string): Promise<{ signer: Signer; created: boolean }> {
  if (await exists(path)) return { signer: LocalSigner.from(await readInput(path, 'service key', 1024 * 1024)), created: false };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeOutput(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, exclusive: true });
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
