import { addService, coseKeySetToJwks, isCountersignError, type JsonWebKeySet } from '@countersign/core';
import { readInput, readPolicyFile, writePolicyFile } from '@countersign/steps';
import { requiredOption, stringOption, usage } from '../args.js';
import { CliError } from '../errors.js';
import { SERVICE_OPTIONS, SERVICE_OPTIONS_HELP, serviceClientFromArgs, serviceUrlKey } from '../transparency/client-from-args.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

export const trustAddServiceCommand: Command = {
  name: 'trust add-service',
  summary: "pin a transparency service's receipt keys into a trust policy",
  help: `Usage: countersign trust add-service --policy trust.json (--url URL | --iss NAME --jwks FILE [--jwks-uri URL])
                                    [--fetch-keys] [--service-identity FILE | --service-identity-url URL]
                                    [--azure-credential C] [--api-version V] [--json]

Trusts receipts from a transparency service by pinning its keys now, so that verification never
fetches them later.
  --url    fetch the service's issuer and keys once, now, from its transparency configuration
  --iss    the service's CWT issuer (as its receipts name it), with --jwks: a JWK set (JSON) or a
           COSE_KeySet (CBOR, as /.well-known/scitt-keys serves it)
  --fetch-keys   let verification fetch keys this policy does not pin (a rotated service key),
                 and only from the service's jwks_uri; verification is offline without it
With --url, the service identity pinned for the connection (given, fetched, or already stored for
that URL) is stored with the service, so later commands given this policy pin it without a fetch.
${SERVICE_OPTIONS_HELP}`,
  options: {
    policy: { type: 'string' },
    url: { type: 'string' },
    iss: { type: 'string' },
    jwks: { type: 'string' },
    'jwks-uri': { type: 'string' },
    'fetch-keys': { type: 'boolean' },
    ...SERVICE_OPTIONS,
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const policyPath = requiredOption(this, args, 'policy');
    const url = stringOption(args, 'url');
    const iss = stringOption(args, 'iss');
    const jwksPath = stringOption(args, 'jwks');
    if (url && (iss || jwksPath)) throw usage(this, 'give either --url, or --iss with --jwks');
    if (!url && !(iss && jwksPath)) throw usage(this, 'missing --url (or --iss with --jwks)');
    if (!url && Object.keys(SERVICE_OPTIONS).some((name) => args.values[name] !== undefined)) throw usage(this, 'the options for reaching a service go with --url');
    const current = await readPolicyFile(policyPath);
    let keys: { issuer: string; jwks: JsonWebKeySet; jwksUri?: string };
    let reached: { url: string; serviceIdentity?: string } | undefined;
    if (url) {
      const { client, serviceIdentity } = await serviceClientFromArgs(this, args, context.host, { url, timeoutMs: 30_000, policy: current });
      try {
        keys = await client.serviceKeys();
      } finally {
        client.close();
      }
      reached = { url: serviceUrlKey(url), serviceIdentity };
    } else {
      keys = { issuer: iss as string, jwks: await readJwks(jwksPath as string), jwksUri: stringOption(args, 'jwks-uri') };
    }
    const policy = addService(current, { iss: keys.issuer, jwks: keys.jwks, jwksUri: keys.jwksUri, fetchKeys: args.values['fetch-keys'] === true, ...reached });
    await writePolicyFile(policyPath, policy);
    if (context.json) printJson(context, policy.services.find((service) => service.iss === keys.issuer));
    else context.host.info(`trusted receipts from ${keys.issuer} (${keys.jwks.keys.length} key(s)) in ${policyPath}`);
    return 0;
  },
};

/** A JWK set (JSON), or a COSE_KeySet (CBOR) as a service serves it at /.well-known/scitt-keys. */
async function readJwks(path: string): Promise<JsonWebKeySet> {
  const bytes = await readInput(path, 'key set', 1024 * 1024);
  const text = Buffer.from(bytes).toString('utf8');
  if (!text.trimStart().startsWith('{')) {
    try {
      return coseKeySetToJwks(bytes);
    } catch (error) {
      if (isCountersignError(error)) throw new CliError('INPUT_UNREADABLE', `${path} is neither a JWK set nor a COSE_KeySet: ${error.message}`);
      throw error;
    }
  }
  try {
    const parsed = JSON.parse(text) as { keys?: unknown };
    if (Array.isArray(parsed?.keys)) return { keys: parsed.keys };
  } catch {
    // reported below
  }
  throw new CliError('INPUT_UNREADABLE', `${path} is not a JWK set ({"keys": [...]})`);
}
