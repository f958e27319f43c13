import { isIPv4 } from 'node:net';
import { CliError } from '../errors.js';

/** Where a bearer token may be sent: the configured service's origin, and nowhere a redirect or a Location points. */
export interface BearerScope {
  /** The Authorization header for a request to `url`, or undefined when the token must not go there. */
  authorizationFor(url: URL): Promise<string | undefined>;
}

/** Gives the current token, e.g. from an Azure credential, refreshed as it nears expiry. */
export interface TokenSource {
  token(): Promise<string>;
}

// RFC 6750 b64token. Anything else could not go in a header anyway, and fetch would quote the
// rejected header, token included, in its error message.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function checkedToken(token: string, origin: string): string {
  const trimmed = token.trim(); // a token read from a file often ends in a newline
  if (!B64TOKEN.test(trimmed)) throw new CliError('USAGE', `the bearer token for ${origin} is not a bearer token (RFC 6750 allows letters, digits and -._~+/ followed by =)`);
  return trimmed;
}

/**
 * Checks the token and the service URL together. A token for a plain-http service on another host
 * is refused rather than dropped: the service would answer 401 and the user would not learn that
 * the token was withheld because it would have crossed the network in clear. A fixed token is
 * checked now; a token source's tokens as they come.
 */
export function bearerScope(token: string | TokenSource, service: URL): BearerScope {
  if (typeof token === 'string' && !B64TOKEN.test(token.trim())) {
    throw new CliError('USAGE', 'COUNTERSIGN_TOKEN is not a bearer token (RFC 6750 allows letters, digits and -._~+/ followed by =)');
  }
  if (!tokenMayTravelTo(service)) {
    const what = typeof token === 'string' ? 'COUNTERSIGN_TOKEN is set' : 'an Azure credential is to give a token';
    throw new CliError('USAGE', `${what} but ${service.origin} is plain http on a non-loopback host; use https, or give no token`);
  }
  const header = async (): Promise<string> => `Bearer ${checkedToken(typeof token === 'string' ? token : await token.token(), service.origin)}`;
  return { authorizationFor: async (url) => (url.origin === service.origin && tokenMayTravelTo(url) ? header() : undefined) };
}

function tokenMayTravelTo(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

/** 127.0.0.0/8, ::1 and localhost: names that never leave the machine. */
export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}
