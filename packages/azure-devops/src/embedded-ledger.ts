import { generateKeyPairSync } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { addIssuer, emptyPolicy, LocalSigner, type Signer } from '@countersign/core';
import { TransparencyLedger } from '@countersign/ledger';
import { exists, readInput, writeOutput, type ServiceOpener } from '@countersign/steps';

/**
 * The embedded ledger in `dir`, opened in the task's process, laid out as `countersign release` lays
 * it out (its service key beside the directory, the same issuer name), so a pipeline that logs with
 * the task and a developer who runs the CLI on the same directory see one ledger.
 */
export function embeddedLedger(dir: string): ServiceOpener {
  return async (registrant) => {
    const signer = await serviceKey(join(dirname(dir), `${basename(dir)}-service-key.pem`));
    const ledger = await TransparencyLedger.open({
      dir,
      serviceKey: signer,
      issuer: `countersign-ledger-${Buffer.from(signer.keyId).toString('utf8').slice(0, 16)}`,
      // Told who registers, it admits exactly that key; otherwise what verifies with its own x5chain.
      trust: registrant ? addIssuer(emptyPolicy(), { iss: registrant.issuer, key: registrant.publicKey }) : undefined,
    });
    return { service: ledger, close: () => ledger.close() };
  };
}

async function serviceKey(path: string): Promise<Signer> {
  if (await exists(path)) return LocalSigner.from(await readInput(path, 'service key', 1024 * 1024));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeOutput(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, exclusive: true });
  return LocalSigner.from(privateKey);
}
