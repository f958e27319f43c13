import { onFirstUse } from '@countersign/core';
import { StepError } from '../errors.js';

const net = onFirstUse<typeof import('node:net')>('node:net');

/** Where a bearer token may be sent: the configured service's origin, and nowhere a redirect or a Location points. */
export interface BearerScope {
  /** The Authorization header for a request to `url`, or undefined when the token must not go there. */
  authorizationFor(url: URL): Promise<string | undefined>;
}

/** Gives the current token, e.g. from an Azure credential (which the front end turns into this), refreshed as it nears expiry. */
export type TokenProvider = () => Promise<string>;

// RFC 6750 b64token. Anything else could not go in a header anyway, and fetch would quote the
// rejected header, token included, in its error message.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function checkedToken(token: string, origin: string): string {
  const trimmed = token.trim(); // a token read from a file often ends in a newline
  if (!B64TOKEN.test(trimmed)) throw new StepError('STEP_USAGE', `the bearer token for ${origin} is not a bearer token (RFC 6750 allows letters, digits and -._~+/ followed by =)`, { input: 'tokenProvider' });
  return trimmed;
}

/**
 * Checks the token and the service URL together. A token for a plain-http service on another host
 * is refused rather than dropped: the service would answer 401 and the user would not learn that
 * the token was withheld because it would have crossed the network in clear. A fixed token is
 * checked now; a provider's tokens as they come.
 */
export function bearerScope(token: string | TokenProvider, service: URL): BearerScope {
  if (typeof token === 'string' && !B64TOKEN.test(token.trim())) {
    throw new StepError('STEP_USAGE', 'the bearer token is not a bearer token (RFC 6750 allows letters, digits and -._~+/ followed by =)', { input: 'token' });
  }
  if (!tokenMayTravelTo(service)) {
    throw new StepError('STEP_USAGE', `a bearer token is to be sent but ${service.origin} is plain http on a non-loopback host; use https, or give no token`, {
      input: typeof token === 'string' ? 'token' : 'tokenProvider',
    });
  }
  const header = async (): Promise<string> => `Bearer ${checkedToken(typeof token === 'string' ? token : await token(), service.origin)}`;
  return { authorizationFor: async (url) => (url.origin === service.origin && tokenMayTravelTo(url) ? header() : undefined) };
}

function tokenMayTravelTo(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

/** 127.0.0.0/8, ::1 and localhost: names that never leave the machine. */
export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return net().isIPv4(hostname) && hostname.startsWith('127.');
}
