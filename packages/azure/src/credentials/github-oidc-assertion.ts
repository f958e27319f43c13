import { AzureError } from '../errors.js';
import type { Environment } from './select-credential.js';

/** The audience Entra ID expects in a federated credential's assertion. */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Asks the GitHub Actions runner for the job's OIDC ID token, the client assertion Entra ID exchanges
 * for an access token. The request token and the ID token stay in memory: failures name the status only.
 */
export function githubIdTokenSource(env: Environment, requestUrl: string): () => Promise<string> {
  return async () => {
    const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!requestToken) throw new AzureError('AZURE_CREDENTIAL_UNAVAILABLE', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set: give the job "permissions: id-token: write"');
    const url = new URL(requestUrl);
    url.searchParams.set('audience', TOKEN_EXCHANGE_AUDIENCE);
    let response: Response;
    try {
      response = await fetch(url, { headers: { Authorization: `Bearer ${requestToken}`, Accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch {
      throw new AzureError('AZURE_TOKEN_REFUSED', `the GitHub Actions ID token request to ${url.host} did not complete`);
    }
    if (!response.ok) throw new AzureError('AZURE_TOKEN_REFUSED', `the GitHub Actions runner refused the ID token request (${response.status})`);
    const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
    if (typeof body?.value !== 'string' || body.value === '') throw new AzureError('AZURE_TOKEN_REFUSED', 'the GitHub Actions runner answered the ID token request without a token');
    return body.value;
  };
}
