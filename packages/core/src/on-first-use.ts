import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A Node built-in loaded the first time it is asked for rather than when the importing module loads:
 * node:http, node:https and node:net take a command-line start about 15 ms, and most commands
 * (sign, verify, digest, inspect, trust) never reach the network. Synchronous, unlike import().
 */
export function onFirstUse<T>(specifier: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(specifier) as T);
}
