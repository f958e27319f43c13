import { isCountersignError } from '@countersign/core';
import { AzureError } from './errors.js';

interface RestErrorLike {
  name?: string;
  statusCode?: number;
  code?: string;
  details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
}

const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);

function innerCode(error: RestErrorLike): string | undefined {
  return error.details?.error?.innerError?.code;
}

// Anything shaped like a JSON web token is cut from a service message, in case one ever quoted it.
const TOKEN_LIKE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * The vault's own words on a request it refused as malformed or conflicting ("Property value has
 * invalid value."): what the user must change is in them, and the status and code alone do not say it.
 */
function serviceReason(error: RestErrorLike): string {
  const message = error.details?.error?.message;
  if (typeof message !== 'string' || message.trim() === '') return '';
  const reason = message.trim().replace(TOKEN_LIKE, '[token]');
  return `: ${reason.length > 300 ? `${reason.slice(0, 297)}...` : reason}`;
}

/**
 * Turns what the Azure SDK throws into one typed, one-line error. Messages are built here from the
 * status and the service's error code, and for a request refused as malformed or conflicting (400,
 * 409) the vault's own message: SDK and identity messages can quote request details, and nothing that
 * might hold a token is passed on.
 */
export function vaultFailure(error: unknown, what: string, subject: 'key' | 'certificate' = 'key'): AzureError {
  if (isCountersignError(error) && error instanceof AzureError) return error;
  const failure = (error ?? {}) as RestErrorLike;
  if (failure.name && CREDENTIAL_ERRORS.has(failure.name)) {
    return new AzureError('AZURE_TOKEN_REFUSED', `${what}: no token could be obtained from the Azure credential (${failure.name})`);
  }
  const status = failure.statusCode;
  const code = failure.code ?? 'no error code';
  const inner = innerCode(failure);
  switch (status) {
    case 401:
      return new AzureError('AZURE_TOKEN_REFUSED', `${what}: the vault refused the request's token, or none was sent (401 ${code})`);
    case 403:
      if (inner === 'KeyDisabled' || inner === 'KeyNotYetValidOrExpired') {
        return new AzureError('AZURE_KEY_DISABLED', `${what}: the key version is disabled or outside its validity period (403 ${inner})`);
      }
      return new AzureError('AZURE_FORBIDDEN', `${what}: the identity is not allowed to do this (403 ${code})`);
    case 404:
      return subject === 'key'
        ? new AzureError('AZURE_KEY_NOT_FOUND', `${what}: no such key or key version (404 ${code})`)
        : new AzureError('AZURE_CERTIFICATE_NOT_FOUND', `${what}: no such certificate or certificate version (404 ${code})`);
    case 429:
      return new AzureError('AZURE_THROTTLED', `${what}: the vault kept throttling after every retry (429 ${code}); sign fewer at once, or later`);
    case undefined:
      return new AzureError('AZURE_SERVICE_ERROR', `${what}: the vault could not be reached (${code})`);
    case 400:
    case 409:
      return new AzureError('AZURE_SERVICE_ERROR', `${what}: the vault answered ${status} ${code}${serviceReason(failure)}`);
    default:
      return new AzureError('AZURE_SERVICE_ERROR', `${what}: the vault answered ${status} ${code}`);
  }
}
