import { openEmbeddedLedger } from '@countersign/ledger';
import type { ServiceOpener } from '@countersign/steps';

/**
 * The embedded ledger in `dir`, opened in the task's process when a step gets as far as registering,
 * laid out as `countersign release` lays it out, so a pipeline and a developer see one ledger.
 */
export function embeddedLedger(dir: string): ServiceOpener {
  return async (registrant) => {
    const ledger = await openEmbeddedLedger(dir, registrant);
    return { service: ledger, close: () => ledger.close() };
  };
}
