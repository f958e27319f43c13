import type { JsonWebKey } from 'node:crypto';
import { isCountersignError, readReceiptSummary, receiptsOf, serviceKeysById, type TrustPolicy } from '@countersign/core';
import type { Host } from '../host.js';
import { readInput } from '../io/files.js';
import { HttpTransport } from './http-transport.js';

/**
 * Verification is offline unless the policy says otherwise: for a service with `fetchKeys`, a receipt
 * kid that no pinned key has sends one GET to that service's configured jwks_uri, and the keys found
 * there serve this run only (the policy file is not changed). A service identity the policy stores
 * for the service's URL pins the TLS of that fetch when jwks_uri is on the same origin.
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
      if (isCountersignError(error) && error.area !== 'step') continue; // the verdict will say what is wrong
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
        const url = new URL(service.jwksUri as string);
        const pinned = service.serviceIdentity && service.url && new URL(service.url).origin === url.origin;
        const transport = new HttpTransport(pinned ? new Map([[url.origin, service.serviceIdentity as string]]) : new Map());
        let answer;
        try {
          answer = await transport.send({ method: 'GET', url, headers: { accept: 'application/json' }, timeoutMs: 15_000 });
        } finally {
          transport.close();
        }
        const body = JSON.parse(Buffer.from(answer.body).toString('utf8')) as { keys?: unknown } | null;
        if (answer.status !== 200 || !Array.isArray(body?.keys)) throw new Error(`answered ${answer.status} without a JWK set`);
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
