import { openEmbeddedLedger } from '@countersign/ledger';
import type { ServiceOpener } from '@countersign/steps';

/** The embedded ledger in `dir`, opened in this process when a step gets as far as registering. */
export function embeddedLedger(dir: string, now?: Date): ServiceOpener {
  return async (registrant) => {
    const ledger = await openEmbeddedLedger(dir, registrant, now);
    return { service: ledger, close: () => ledger.close() };
  };
}
