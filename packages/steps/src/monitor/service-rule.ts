import { jwksKeyResolver, ReceiptSignatureCache, type ServiceRule, type TrustPolicy } from '@countersign/core';
import { StepError } from '../errors.js';
import type { EntryLog } from './entry-log.js';
import type { ReceiptCheck } from './read-entry.js';

/** A service URL as state files and policies compare it: origin and path, no trailing slash. */
export function serviceUrlKey(text: string): string {
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    throw new StepError('STEP_USAGE', `service URL "${text.slice(0, 200)}" is not a URL`, { input: 'serviceUrl' });
  }
}

/**
 * The policy's entry for the service: the one stored for its URL, else the one for the issuer its
 * configuration names. Either way receipts must then verify with keys the policy pins.
 */
export async function serviceRuleOf(policy: TrustPolicy, log: EntryLog, serviceUrl: string): Promise<ServiceRule> {
  const key = serviceUrlKey(serviceUrl);
  const byUrl = policy.services.find((service) => service.url !== undefined && safeKey(service.url) === key);
  if (byUrl) return byUrl;
  const issuer = (await log.configuration()).get('issuer');
  const byIssuer = typeof issuer === 'string' ? policy.services.find((service) => service.iss === issuer) : undefined;
  if (!byIssuer) {
    throw new StepError('STEP_USAGE', `the trust policy pins no keys for ${log.name}${typeof issuer === 'string' ? ` (issuer ${issuer})` : ''}: add the service to it first`, { input: 'trustPolicy' });
  }
  return byIssuer;
}

export function receiptCheckOf(service: ServiceRule): ReceiptCheck {
  return { issuer: service.iss, resolveKey: jwksKeyResolver(service.jwks), signatureCache: new ReceiptSignatureCache() };
}

function safeKey(text: string): string | undefined {
  try {
    return serviceUrlKey(text);
  } catch {
    return undefined;
  }
}
