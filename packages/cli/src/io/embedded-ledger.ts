import { addIssuer, emptyPolicy } from '@countersign/core';
import { TransparencyLedger } from '@countersign/ledger';
import type { ServiceOpener } from '@countersign/steps';
import { defaultLedgerIssuer, defaultServiceKeyPath, serviceKeyAt } from './service-key.js';

/**
 * Opens the embedded ledger in `dir` in this process, as a step's service. Told who will register,
 * it admits exactly that issuer's key (a statement with only a kid needs a policy there); otherwise
 * it admits what verifies with its own x5chain, as Microsoft's service does.
 */
export function embeddedLedger(dir: string, now?: Date): ServiceOpener {
  return async (registrant) => {
    const { signer } = await serviceKeyAt(defaultServiceKeyPath(dir));
    const ledger = await TransparencyLedger.open({
      dir,
      serviceKey: signer,
      issuer: defaultLedgerIssuer(signer),
      trust: registrant ? addIssuer(emptyPolicy(), { iss: registrant.issuer, key: registrant.publicKey }) : undefined,
      clock: now ? () => now : undefined,
    });
    return { service: ledger, close: () => ledger.close() };
  };
}
