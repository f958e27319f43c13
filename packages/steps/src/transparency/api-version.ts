/**
 * The api-version of Azure Code Transparency (Microsoft Signing Transparency) that this client
 * speaks: the Code Transparency REST specification's first GA version, the one after
 * 2025-01-31-preview. scitt-ccf-ledger switches answer styles on exactly this value: with it,
 * registration answers 303 and a pending entry 302 (SCRAPI); without it, the legacy 202 with an
 * /operations/{id} to poll. The client follows both.
 */
export const CODE_TRANSPARENCY_API_VERSION = '2026-03-26';

/** NAME when the service is https://NAME.confidential-ledger.azure.com, the host form of MST instances. */
export function confidentialLedgerName(url: URL): string | undefined {
  const match = /^([a-z0-9][a-z0-9-]{0,62})\.confidential-ledger\.azure\.com$/i.exec(url.hostname);
  return url.protocol === 'https:' && match ? (match[1] as string).toLowerCase() : undefined;
}

/**
 * The api-version sent when none is configured: the GA version to MST hosts, none elsewhere (other
 * SCRAPI services, the embedded ledger) where an unknown query parameter could be refused.
 */
export function defaultApiVersion(service: URL): string | undefined {
  return confidentialLedgerName(service) ? CODE_TRANSPARENCY_API_VERSION : undefined;
}
