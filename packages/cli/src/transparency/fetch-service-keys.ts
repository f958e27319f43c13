import type { JsonWebKey } from 'node:crypto';
import { isCountersignError, readReceiptSummary, receiptsOf, serviceKeysById, type TrustPolicy } from '@countersign/core';
import type { Host } from '../host.js';
import { readInput } from '../io/files.js';

/**
 * Verification is offline unless the policy says otherwise: for a service with `fetchKeys`, a receipt
 * kid that no pinned key has sends one GET to that service's configured jwks_uri, and the keys found
 * there serve this run only (the policy file is not changed).
 */
export async function withFetchedServiceKeys(policy: TrustPolicy, statementPaths: readonly string[], host: Host): Promise<TrustPolicy> {
  const fetching = policy.services.filter((service) => service.fetchKeys && service.jwksUri);
  if (fetching.length === 0) return policy;
  const missing = new Set<string>();
  for (const path of statementPaths) {
    let receipts: Uint8Array[];
    try {
      receipts = receiptsOf(await readInput(path, 'statement', 16 * 1024 * 1024));
    } catch (error) {
      if (isCountersignError(error) && error.area !== 'cli') continue; // the verdict will say what is wrong
      throw error;
    }
    for (const receipt of receipts) {
      try {
        const summary = readReceiptSummary(receipt);
        const service = fetching.find((candidate) => candidate.iss === summary.issuer);
        if (service && summary.kid && !serviceKeysById(service.jwks).has(summary.kid)) missing.add(service.iss);
      } catch {
        // an unreadable receipt fails in the verdict
      }
    }
  }
  const services = await Promise.all(
    policy.services.map(async (service) => {
      if (!missing.has(service.iss)) return service;
      try {
        const response = await fetch(service.jwksUri as string, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
        const body = (await response.json()) as { keys?: unknown };
        if (response.status !== 200 || !Array.isArray(body?.keys)) throw new Error(`answered ${response.status} without a JWK set`);
        host.info(`fetched ${body.keys.length} key(s) of ${service.iss} from ${service.jwksUri}, as the policy allows`);
        return { ...service, jwks: { keys: [...service.jwks.keys, ...(body.keys as JsonWebKey[])] } };
      } catch (error) {
        host.warn(`could not fetch the keys of ${service.iss} from ${service.jwksUri}: ${(error as Error).message}`);
        return service;
      }
    }),
  );
  return { ...policy, services };
}
