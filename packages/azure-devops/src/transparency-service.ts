import { resolve } from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task.js';
import { fetchConfidentialLedgerIdentity, readServiceIdentityFile, ScrapiClient, type Host, type ServiceOpener } from '@countersign/steps';
import { azureSignIn } from './azure-sign-in.js';
import { embeddedLedger } from './embedded-ledger.js';
import { TaskError } from './errors.js';

export interface ServiceInputs {
  /** A SCRAPI service; without it, the embedded ledger in `ledgerDir`. */
  url?: string;
  /** A PEM file: the identity that alone vouches for the service's TLS certificate. */
  serviceIdentity?: string;
  timeoutMs: number;
  ledgerDir?: string;
  /** The service connection whose identity gets the bearer token the service is sent. */
  connectionId?: string;
}

/** Where `countersign release` keeps its ledger, so the two meet on one directory by default. */
const DEFAULT_LEDGER_DIR = '.countersign/ledger';

/** Opens the service the inputs name, as the steps take it: a SCRAPI client, or the embedded ledger in process. */
export function serviceOpener(inputs: ServiceInputs, host: Host): ServiceOpener {
  if (inputs.url === undefined) {
    if (inputs.serviceIdentity !== undefined) throw new TaskError('TASK_INPUT_INVALID', 'serviceIdentity', 'goes with serviceUrl (the embedded ledger has no TLS)');
    const root = tl.getVariable('System.DefaultWorkingDirectory') || process.cwd();
    return embeddedLedger(resolve(root, inputs.ledgerDir ?? DEFAULT_LEDGER_DIR));
  }
  if (inputs.ledgerDir !== undefined) throw new TaskError('TASK_INPUT_INVALID', 'ledgerDir', 'is for the embedded ledger: leave serviceUrl empty to use it');
  const url = inputs.url;
  return async () => {
    const client = await openScrapiClient({ ...inputs, url }, host);
    return { service: client, close: () => client.close() };
  };
}

/** The SCRAPI client for a service URL: its pinned identity, and a bearer token when a service connection is named. */
export async function openScrapiClient(inputs: ServiceInputs & { url: string }, host: Host): Promise<ScrapiClient> {
  return new ScrapiClient({ url: inputs.url, timeoutMs: inputs.timeoutMs, serviceIdentity: await serviceIdentity(inputs.url, inputs.serviceIdentity, host), tokenProvider: await tokenProvider(inputs.connectionId, host) });
}

async function tokenProvider(connectionId: string | undefined, host: Host): Promise<(() => Promise<string>) | undefined> {
  if (connectionId === undefined) return undefined;
  const { CONFIDENTIAL_LEDGER_SCOPE, credentialTokenProvider, typedFailureCredential } = await import('@countersign/azure');
  const credential = typedFailureCredential(await azureSignIn(connectionId, host));
  return credentialTokenProvider(credential, CONFIDENTIAL_LEDGER_SCOPE, (token) => host.setSecret(token));
}

/** The identity to pin: the file given, or for Microsoft's service the one its identity endpoint publishes. */
async function serviceIdentity(url: string, file: string | undefined, host: Host): Promise<string | undefined> {
  if (file !== undefined) return readServiceIdentityFile(file);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TaskError('TASK_INPUT_INVALID', 'serviceUrl', `"${url}" is not a URL`);
  }
  return fetchConfidentialLedgerIdentity(parsed, host);
}
