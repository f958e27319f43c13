import { AzureError } from '../errors.js';

export const CREDENTIAL_CHOICES = ['default', 'github-oidc', 'azure-pipelines', 'managed-identity', 'emulator'] as const;
export type CredentialChoice = (typeof CREDENTIAL_CHOICES)[number];

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Which credential to build and from which variables. It holds variable names' values that are not
 * secret (ids, URLs); the secrets (the runner's request token, the pipeline's access token) are read
 * from the environment only when a token is requested, so a plan can be printed or compared safely.
 */
export type CredentialPlan =
  | { readonly kind: 'github-oidc'; readonly tenantId: string; readonly clientId: string; readonly idTokenRequestUrl: string; readonly authorityHost?: string }
  | { readonly kind: 'azure-pipelines'; readonly tenantId: string; readonly clientId: string; readonly serviceConnectionId: string; readonly authorityHost?: string }
  | { readonly kind: 'managed-identity'; readonly clientId?: string }
  | { readonly kind: 'default' }
  | { readonly kind: 'emulator' };

/** The runner's ID token request, as GitHub Actions sets it for a job with `permissions: id-token: write`. */
export const GITHUB_OIDC_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID'] as const;
/** An Azure Resource Manager service connection with workload identity federation, as AzureCLI@2 exposes it. */
export const AZURE_PIPELINES_VARIABLES = [
  'SYSTEM_OIDCREQUESTURI',
  'SYSTEM_ACCESSTOKEN',
  'AZURESUBSCRIPTION_SERVICE_CONNECTION_ID',
  'AZURESUBSCRIPTION_CLIENT_ID',
  'AZURESUBSCRIPTION_TENANT_ID',
] as const;
/** App Service, Functions, Container Apps and Arc set one of these; Azure VMs use IMDS and set neither. */
export const MANAGED_IDENTITY_VARIABLES = ['IDENTITY_ENDPOINT', 'MSI_ENDPOINT'] as const;

function value(env: Environment, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

function missing(env: Environment, names: readonly string[]): string[] {
  return names.filter((name) => value(env, name) === undefined);
}

function unavailable(choice: CredentialChoice, names: string[]): AzureError {
  return new AzureError('AZURE_CREDENTIAL_UNAVAILABLE', `the Azure credential ${choice} needs ${names.join(', ')} in the environment`);
}

function githubPlan(env: Environment): CredentialPlan {
  const authorityHost = value(env, 'AZURE_AUTHORITY_HOST');
  return {
    kind: 'github-oidc',
    tenantId: value(env, 'AZURE_TENANT_ID') as string,
    clientId: value(env, 'AZURE_CLIENT_ID') as string,
    idTokenRequestUrl: value(env, 'ACTIONS_ID_TOKEN_REQUEST_URL') as string,
    ...(authorityHost ? { authorityHost } : {}),
  };
}

function pipelinesPlan(env: Environment): CredentialPlan {
  const authorityHost = value(env, 'AZURE_AUTHORITY_HOST');
  return {
    kind: 'azure-pipelines',
    tenantId: value(env, 'AZURESUBSCRIPTION_TENANT_ID') as string,
    clientId: value(env, 'AZURESUBSCRIPTION_CLIENT_ID') as string,
    serviceConnectionId: value(env, 'AZURESUBSCRIPTION_SERVICE_CONNECTION_ID') as string,
    ...(authorityHost ? { authorityHost } : {}),
  };
}

function managedIdentityPlan(env: Environment): CredentialPlan {
  // A user-assigned identity is named by its client id; without one the system-assigned identity answers.
  const clientId = value(env, 'AZURE_CLIENT_ID');
  return { kind: 'managed-identity', ...(clientId ? { clientId } : {}) };
}

export function parseCredentialChoice(text: string): CredentialChoice {
  const choice = CREDENTIAL_CHOICES.find((known) => known === text);
  if (!choice) throw new AzureError('AZURE_CREDENTIAL_UNAVAILABLE', `unknown Azure credential "${text}" (use one of ${CREDENTIAL_CHOICES.join(', ')})`);
  return choice;
}

/**
 * Decides the credential from the choice and the environment alone (no network, no files), so every
 * CI's variables can be tested. `default` prefers the most specific federation the environment offers:
 * GitHub Actions OIDC, then an Azure Pipelines service connection, then a managed identity, and
 * otherwise the SDK's DefaultAzureCredential chain (environment, workload identity, Azure CLI, ...).
 * The emulator credential is never picked by `default`: it is used only when asked for by name.
 */
export function selectCredential(choice: CredentialChoice, env: Environment): CredentialPlan {
  switch (choice) {
    case 'github-oidc': {
      const absent = missing(env, GITHUB_OIDC_VARIABLES);
      if (absent.length > 0) throw unavailable(choice, absent);
      return githubPlan(env);
    }
    case 'azure-pipelines': {
      const absent = missing(env, AZURE_PIPELINES_VARIABLES);
      if (absent.length > 0) throw unavailable(choice, absent);
      return pipelinesPlan(env);
    }
    case 'managed-identity':
      return managedIdentityPlan(env);
    case 'emulator':
      return { kind: 'emulator' };
    case 'default':
      if (missing(env, GITHUB_OIDC_VARIABLES).length === 0) return githubPlan(env);
      if (missing(env, AZURE_PIPELINES_VARIABLES).length === 0) return pipelinesPlan(env);
      if (MANAGED_IDENTITY_VARIABLES.some((name) => value(env, name) !== undefined)) return managedIdentityPlan(env);
      return { kind: 'default' };
  }
}
