import type { Host, ServiceOpener } from '@countersign/steps';
import { optional } from './inputs.js';
import { scrapiClientFromInputs } from './scrapi-client.js';

export const DEFAULT_LEDGER_DIR = '.countersign/ledger';

/** The SCRAPI service at service-url or, without one, the embedded ledger in ledger-dir: so that the actions run without any cloud account. */
export async function serviceFromInputs(host: Host): Promise<ServiceOpener> {
  const url = optional('service-url');
  if (url === undefined) {
    const dir = optional('ledger-dir') ?? DEFAULT_LEDGER_DIR;
    host.info(`no service-url: registering with the embedded ledger in ${dir}`);
    // Imported here: a run against a remote service never needs the ledger's code.
    const { openEmbeddedLedger } = await import('@countersign/ledger');
    return async (registrant) => {
      const ledger = await openEmbeddedLedger(dir, registrant);
      return { service: ledger, close: () => ledger.close() };
    };
  }
  const client = await scrapiClientFromInputs(host, url);
  return async () => ({ service: client, close: () => client.close() });
}
