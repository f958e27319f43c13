import type { TrustPolicy } from '@countersign/core';
import { readServiceIdentityFile, ScrapiClient, type Host } from '@countersign/steps';
import { serviceTokenProvider } from './azure.js';
import { optional, positiveNumber } from './inputs.js';

/** A URL as trust policies compare service URLs: origin and path, no trailing slash. */
function urlKey(text: string): string {
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return text;
  }
}

/** A service identity given as the PEM itself (a secret or variable) or as a file holding it; else the one the trust policy stored for the service. */
async function serviceIdentity(url: string, policy: TrustPolicy | undefined): Promise<string | undefined> {
  const value = optional('service-identity');
  if (value !== undefined) return value.startsWith('-----BEGIN') ? value : readServiceIdentityFile(value);
  const key = urlKey(url);
  return policy?.services.find((service) => service.serviceIdentity && service.url !== undefined && urlKey(service.url) === key)?.serviceIdentity;
}

/** The SCRAPI client for `url`: service-identity, timeout, COUNTERSIGN_TOKEN or an Azure sign-in as the inputs say. */
export async function scrapiClientFromInputs(host: Host, url: string, policy?: TrustPolicy): Promise<ScrapiClient> {
  const token = process.env.COUNTERSIGN_TOKEN?.trim() || undefined;
  if (token) host.setSecret(token);
  return new ScrapiClient({
    url,
    timeoutMs: positiveNumber('timeout', 120) * 1000,
    token,
    tokenProvider: await serviceTokenProvider(host),
    serviceIdentity: await serviceIdentity(url, policy),
  });
}
