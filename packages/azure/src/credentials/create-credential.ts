import { AzurePipelinesCredential, ClientAssertionCredential, DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { EmulatorCredential } from './emulator-credential.js';
import { githubIdTokenSource } from './github-oidc-assertion.js';
import { selectCredential, type CredentialChoice, type CredentialPlan, type Environment } from './select-credential.js';

/** Builds the credential a plan names; nothing is requested until the first token is needed. */
export function credentialFromPlan(plan: CredentialPlan, env: Environment): TokenCredential {
  switch (plan.kind) {
    case 'github-oidc':
      return new ClientAssertionCredential(plan.tenantId, plan.clientId, githubIdTokenSource(env, plan.idTokenRequestUrl), authority(plan.authorityHost));
    case 'azure-pipelines':
      return new AzurePipelinesCredential(plan.tenantId, plan.clientId, plan.serviceConnectionId, env.SYSTEM_ACCESSTOKEN as string, authority(plan.authorityHost));
    case 'managed-identity':
      return plan.clientId ? new ManagedIdentityCredential({ clientId: plan.clientId }) : new ManagedIdentityCredential();
    case 'default':
      return new DefaultAzureCredential();
    case 'emulator':
      return new EmulatorCredential();
  }
}

export function azureCredential(choice: CredentialChoice, env: Environment = process.env): { plan: CredentialPlan; credential: TokenCredential } {
  const plan = selectCredential(choice, env);
  return { plan, credential: credentialFromPlan(plan, env) };
}

function authority(authorityHost: string | undefined): { authorityHost?: string } {
  return authorityHost ? { authorityHost } : {};
}
