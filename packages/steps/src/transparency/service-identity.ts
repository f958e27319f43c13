import { isCertificatePem, TransparencyError } from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import { readInput } from '../io/files.js';
import { confidentialLedgerName } from './api-version.js';
import { isLoopback } from './bearer-scope.js';
import { HttpTransport } from './http-transport.js';
import { tlsFailure } from './tls-failure.js';

/** Azure's ledger identity service: GET /ledgerIdentity/NAME gives a ledger's TLS identity. */
export const LEDGER_IDENTITY_SERVICE = 'https://identity.confidential-ledger.core.azure.com';

export function ledgerIdentityUrl(name: string): URL {
  return new URL(`/ledgerIdentity/${encodeURIComponent(name)}`, LEDGER_IDENTITY_SERVICE);
}

/** A service identity file: one or more PEM certificates, or a one-line reason (exit 2). */
export async function readServiceIdentityFile(path: string): Promise<string> {
  const text = Buffer.from(await readInput(path, 'service identity', 1024 * 1024)).toString('utf8');
  if (!isCertificatePem(text)) throw new StepError('STEP_INPUT_UNREADABLE', `service identity ${path} is not a certificate: give the PEM certificate (-----BEGIN CERTIFICATE-----) the service's TLS chains to`, { input: 'serviceIdentity' });
  return text;
}

/**
 * Fetches a ledger's identity document ({"ledgerTlsCertificate": PEM, ...}) with the public CA
 * store. Over https, or plain http on loopback only (a local stand-in): an identity read off the
 * network in clear could be anyone's.
 */
export async function fetchServiceIdentity(url: URL, timeoutMs = 30_000): Promise<string> {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new StepError('STEP_USAGE', `the identity service URL ${url.origin} must be https (plain http only on a loopback address)`, { input: 'serviceIdentityUrl' });
  }
  const transport = new HttpTransport();
  let answer;
  try {
    answer = await transport.send({ method: 'GET', url, headers: { accept: 'application/json' }, timeoutMs });
  } catch (error) {
    const tls = tlsFailure(error, url.origin, false);
    if (tls) throw tls;
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new TransparencyError('TS_UNAVAILABLE', `could not fetch the service identity from ${url.href} (${code})`);
  }
  if (answer.status !== 200) throw new TransparencyError(answer.status === 404 ? 'TS_NOT_FOUND' : 'TS_UNAVAILABLE', `the identity service answered ${answer.status} for ${url.href}`);
  let certificate: unknown;
  try {
    certificate = (JSON.parse(Buffer.from(answer.body).toString('utf8')) as { ledgerTlsCertificate?: unknown } | null)?.ledgerTlsCertificate;
  } catch {
    throw new TransparencyError('TS_PROTOCOL', `${url.href} is not JSON`);
  }
  if (typeof certificate !== 'string' || !isCertificatePem(certificate)) throw new TransparencyError('TS_PROTOCOL', `${url.href} holds no ledgerTlsCertificate PEM certificate`);
  return certificate;
}

/**
 * For a Microsoft Signing Transparency service (https://NAME.confidential-ledger.azure.com), the TLS
 * identity its ledger identity service publishes; undefined for any other host, which keeps the
 * public CA store.
 */
export async function fetchConfidentialLedgerIdentity(service: URL, host: Host): Promise<string | undefined> {
  const ledgerName = confidentialLedgerName(service);
  if (!ledgerName) return undefined;
  const url = ledgerIdentityUrl(ledgerName);
  const identity = await fetchServiceIdentity(url);
  host.info(`pinned the service identity of ${ledgerName} fetched from ${url.href}`);
  return identity;
}
