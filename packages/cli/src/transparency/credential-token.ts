import { AzureError } from '@countersign/azure';
import type { TokenSource } from './bearer-scope.js';

/** The part of an Azure TokenCredential the client uses. */
export interface AccessTokenCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** The Confidential Ledger audience, which Microsoft Signing Transparency tokens are issued for. */
export const CONFIDENTIAL_LEDGER_SCOPE = 'https://confidential-ledger.azure.com/.default';

// A token this close to expiry could lapse between being read and reaching the service.
const REFRESH_MARGIN_MS = 2 * 60 * 1000;

/**
 * Tokens for `scope`, fetched when first needed and again when the last one nears expiry; a long
 * batch of registrations outlives one token. `onToken` sees each new token so it can be masked.
 */
export function credentialTokenSource(credential: AccessTokenCredential, scope: string, onToken: (token: string) => void = () => undefined): TokenSource {
  let current: { token: string; expiresOnTimestamp: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    token() {
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
    },
  };
}
