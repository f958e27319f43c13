import { AzureError } from '../errors.js';

/** The part of an Azure TokenCredential a token provider uses. */
export interface AccessTokenCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** The Confidential Ledger audience, which Microsoft Signing Transparency tokens are issued for. */
export const CONFIDENTIAL_LEDGER_SCOPE = 'https://confidential-ledger.azure.com/.default';

// A token this close to expiry could lapse between being read and reaching the service.
const REFRESH_MARGIN_MS = 2 * 60 * 1000;

/**
 * A function giving a bearer token for `scope`, fetched when first needed and again when the last one
 * nears expiry: a long batch of registrations outlives one token. This is the shape the SCRAPI client
 * takes, so that it never depends on Azure. `onToken` sees each new token so it can be masked.
 */
export function credentialTokenProvider(credential: AccessTokenCredential, scope: string = CONFIDENTIAL_LEDGER_SCOPE, onToken: (token: string) => void = () => undefined): () => Promise<string> {
  let current: { token: string; expiresOnTimestamp: number } | undefined;
  let pending: Promise<string> | undefined;
  return () => {
    if (current && current.expiresOnTimestamp - REFRESH_MARGIN_MS > Date.now()) return Promise.resolve(current.token);
    pending ??= (async () => {
      try {
        const fresh = await credential.getToken(scope);
        if (!fresh) throw new AzureError('AZURE_TOKEN_REFUSED', `the Azure credential returned no token for ${scope}`);
        onToken(fresh.token);
        current = fresh;
        return fresh.token;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
