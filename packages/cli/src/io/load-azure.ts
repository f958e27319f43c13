/**
 * The Azure SDKs take about 0.4 s to load, several times a bare command's start-up: only a command
 * that reaches Key Vault or an Azure credential pays for them, the moment it does.
 */
export function loadAzure(): Promise<typeof import('@countersign/azure')> {
  return import('@countersign/azure');
}
