import type { VaultConnection } from '@countersign/azure';
import type { Host } from '@countersign/steps';
import { serviceConnectionEnvironment } from './service-connection.js';

/**
 * The Azure credential of a task: the service connection's federated identity when one is named;
 * otherwise whatever the environment offers (a managed identity on a self-hosted agent, or variables
 * an earlier AzureCLI step exported). The Azure SDKs load only here, when a task reaches Azure.
 */
export async function azureSignIn(connectionId: string | undefined, host: Host): Promise<VaultConnection['credential']> {
  const azure = await import('@countersign/azure');
  if (connectionId === undefined) return azure.azureCredential('default').credential;
  return azure.azureCredential('azure-pipelines', serviceConnectionEnvironment(connectionId, host)).credential;
}
