import { parsePemCertificates } from '@countersign/core';
import { readTextInput, type Host, type TokenProvider } from '@countersign/steps';
import { optional } from './inputs.js';

/**
 * The Azure SDKs take longer to load than the rest of a bundle together: they are imported only
 * when a key URL or an Azure sign-in is actually asked for, so that esbuild keeps them in a chunk
 * of their own and a run on key files never loads them.
 */
export function loadAzure(): Promise<typeof import('@countersign/azure')> {
  return import('@countersign/azure');
}

/** The runner's OIDC token exchanged for the app registration named by azure-client-id and azure-tenant-id, or the SDK's default chain without them. */
export async function credential(host: Host) {
  const { azureCredential, typedFailureCredential } = await loadAzure();
  const clientId = optional('azure-client-id');
  const tenantId = optional('azure-tenant-id');
  const env = { ...process.env, ...(clientId ? { AZURE_CLIENT_ID: clientId } : {}), ...(tenantId ? { AZURE_TENANT_ID: tenantId } : {}) };
  const choice = clientId && tenantId ? 'github-oidc' : 'default';
  host.debug(`Azure sign-in: ${choice}`);
  return typedFailureCredential(azureCredential(choice, env).credential);
}

export async function readChain(path: string | undefined): Promise<Uint8Array[] | undefined> {
  return path === undefined ? undefined : parsePemCertificates(await readTextInput(path, 'certificate chain'));
}

/** Bearer tokens for the transparency service, only when an Azure sign-in is configured. */
export async function serviceTokenProvider(host: Host): Promise<TokenProvider | undefined> {
  if (!optional('azure-client-id')) return undefined;
  const { CONFIDENTIAL_LEDGER_SCOPE, credentialTokenProvider } = await loadAzure();
  return credentialTokenProvider(await credential(host), CONFIDENTIAL_LEDGER_SCOPE, (token) => host.setSecret(token));
}
