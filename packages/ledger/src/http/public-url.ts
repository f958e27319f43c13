import type { AddressInfo } from 'node:net';
import { ServerConfigError } from './errors.js';

/**
 * The base URL the service advertises in its configuration. Clients pin what it names (`trust
 * add-service --url`), so it comes from the operator, never from a request's Host header.
 * Returns the URL without a trailing slash, so `${base}/jwks` is the key set's address.
 */
export function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ServerConfigError('SERVER_BAD_PUBLIC_URL', `public URL "${text}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ServerConfigError('SERVER_BAD_PUBLIC_URL', `public URL "${text}" must be http or https`);
  if (url.username || url.password) throw new ServerConfigError('SERVER_BAD_PUBLIC_URL', `public URL "${text}" must not carry credentials`);
  if (url.search || url.hash || text.includes('?') || text.includes('#')) throw new ServerConfigError('SERVER_BAD_PUBLIC_URL', `public URL "${text}" must not have a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The address a listening server is reached at, as `countersign serve` prints it on "listening on <URL>". */
export function listeningUrl(address: AddressInfo, secure = false): string {
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `${secure ? 'https' : 'http'}://${host}:${address.port}`;
}
