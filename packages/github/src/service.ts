import { readServiceIdentityFile, ScrapiClient, type Host, type ServiceOpener } from '@countersign/steps';
import { serviceTokenProvider } from './azure.js';
import { optional, positiveNumber } from './inputs.js';

export const DEFAULT_LEDGER_DIR = '.countersign/ledger';

/** A service identity given as the PEM itself (a secret or variable) or as a file holding it. */
async function serviceIdentity(): Promise<string | undefined> {
  const value = optional('service-identity');
  if (value === undefined) return undefined;
  return value.startsWith('-----BEGIN') ? value : readServiceIdentityFile(value);
}

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
  const token = process.env.COUNTERSIGN_TOKEN?.trim() || undefined;
  if (token) host.setSecret(token);
  const client = new ScrapiClient({
    url,
    timeoutMs: positiveNumber('timeout', 120) * 1000,
    token,
    tokenProvider: await serviceTokenProvider(host),
    serviceIdentity: await serviceIdentity(),
  });
  return async () => ({ service: client, close: () => client.close() });
}
