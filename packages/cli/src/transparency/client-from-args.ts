import type { TrustPolicy } from '@countersign/core';
import { fetchConfidentialLedgerIdentity, fetchServiceIdentity, readServiceIdentityFile, ScrapiClient, type Host } from '@countersign/steps';
import { stringOption, usage, type CommandSpec, type ParsedArgs } from '../args.js';
import { loadAzure } from '../io/load-azure.js';

/** The options of every command that talks to a transparency service, so that none of them drifts. */
export const SERVICE_OPTIONS = {
  'service-identity': { type: 'string' },
  'service-identity-url': { type: 'string' },
  'azure-credential': { type: 'string' },
  'token-scope': { type: 'string' },
  'api-version': { type: 'string' },
} as const;

export const SERVICE_OPTIONS_HELP = `Reaching the service (Microsoft Signing Transparency runs on CCF, whose TLS certificate its service identity issues):
  --service-identity FILE   the service identity (PEM) that alone vouches for the service's TLS certificate,
                            for that host only (every other host keeps the public CA store)
  --service-identity-url URL  fetch the identity from this identity document instead ({"ledgerTlsCertificate": PEM});
                            https, or http on a loopback address. Without either, the identity a trust policy
                            stored for the service is used, and for https://NAME.confidential-ledger.azure.com
                            it is fetched from https://identity.confidential-ledger.core.azure.com/ledgerIdentity/NAME
  --azure-credential C      send a bearer token from an Azure credential: default, github-oidc, azure-pipelines,
                            managed-identity or emulator (otherwise COUNTERSIGN_TOKEN, if set, is sent)
  --token-scope SCOPE       the token's scope (default https://confidential-ledger.azure.com/.default)
  --api-version V           the api-version query parameter on every request to the service (default: 2026-03-26
                            for *.confidential-ledger.azure.com, none elsewhere; "none" sends none)`;

export interface ServiceClientRequest {
  url: string;
  timeoutMs: number;
  /** A trust policy whose entry for `url` may hold the service identity (trust add-service stores it). */
  policy?: TrustPolicy;
}

export interface OpenedServiceClient {
  client: ScrapiClient;
  /** The identity pinned for the service, wherever it came from; undefined when the public CA store is used. */
  serviceIdentity?: string;
}

/** A service URL as policies store it and compare it: origin and path, no trailing slash. */
export function serviceUrlKey(text: string): string {
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return text;
  }
}

/** Builds the SCRAPI client from a command's SERVICE_OPTIONS: identity, token and api-version decided in one place. */
export async function serviceClientFromArgs(command: CommandSpec, args: ParsedArgs, host: Host, request: ServiceClientRequest, env: NodeJS.ProcessEnv = process.env): Promise<OpenedServiceClient> {
  const serviceIdentity = await resolveServiceIdentity(command, args, host, request);

  const envToken = env.COUNTERSIGN_TOKEN?.trim() || undefined;
  const credentialChoice = stringOption(args, 'azure-credential');
  const tokenScope = stringOption(args, 'token-scope');
  if (envToken && credentialChoice) throw usage(command, 'COUNTERSIGN_TOKEN and --azure-credential both give a token: use one');
  if (tokenScope && !credentialChoice) throw usage(command, '--token-scope goes with --azure-credential');
  if (envToken) host.setSecret(envToken);
  // The client takes a token provider, never an Azure credential: this is where one becomes the other.
  let tokenProvider: (() => Promise<string>) | undefined;
  if (credentialChoice) {
    const { azureCredential, CONFIDENTIAL_LEDGER_SCOPE, credentialTokenProvider, parseCredentialChoice, typedFailureCredential } = await loadAzure();
    const credential = typedFailureCredential(azureCredential(parseCredentialChoice(credentialChoice), env).credential);
    tokenProvider = credentialTokenProvider(credential, tokenScope ?? CONFIDENTIAL_LEDGER_SCOPE, (token) => host.setSecret(token));
  }

  const apiVersionText = stringOption(args, 'api-version');
  const client = new ScrapiClient({
    url: request.url,
    timeoutMs: request.timeoutMs,
    token: envToken,
    tokenProvider,
    serviceIdentity,
    apiVersion: apiVersionText === undefined ? undefined : apiVersionText === 'none' ? false : apiVersionText,
  });
  return { client, serviceIdentity };
}

async function resolveServiceIdentity(command: CommandSpec, args: ParsedArgs, host: Host, request: ServiceClientRequest): Promise<string | undefined> {
  const file = stringOption(args, 'service-identity');
  const documentUrl = stringOption(args, 'service-identity-url');
  if (file !== undefined && documentUrl !== undefined) throw usage(command, 'give --service-identity or --service-identity-url, not both');
  if (file !== undefined) return readServiceIdentityFile(file);
  if (documentUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(documentUrl);
    } catch {
      throw usage(command, `--service-identity-url "${documentUrl}" is not a URL`);
    }
    const identity = await fetchServiceIdentity(url);
    host.info(`pinned the service identity fetched from ${url.href}`);
    return identity;
  }
  const key = serviceUrlKey(request.url);
  const stored = request.policy?.services.find((service) => service.serviceIdentity && service.url && serviceUrlKey(service.url) === key);
  if (stored) return stored.serviceIdentity;
  let service: URL | undefined;
  try {
    service = new URL(request.url);
  } catch {
    return undefined; // the client reports a bad URL
  }
  return fetchConfidentialLedgerIdentity(service, host);
}
