import { X509Certificate } from 'node:crypto';
import { X509Error } from './errors.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * The DER bytes of every CERTIFICATE block in `text`, in order. Other blocks (keys, CRLs) and text
 * between blocks are ignored, as in a typical bundle; a broken CERTIFICATE block is an error.
 */
export function parsePemCertificates(text: string): Uint8Array[] {
  const certificates: Uint8Array[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body = '', endLabel] = match;
    if (label !== endLabel) {
      throw new X509Error('X509_MALFORMED', `PEM block "BEGIN ${label}" ends with "END ${endLabel}"`);
    }
    if (label !== 'CERTIFICATE') continue;
    const base64 = body.replace(/\s+/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64) || base64.length === 0) {
      throw new X509Error('X509_MALFORMED', `PEM CERTIFICATE block ${certificates.length + 1} is not valid base64`);
    }
    certificates.push(new Uint8Array(Buffer.from(base64, 'base64')));
  }
  const begun = text.split('-----BEGIN CERTIFICATE-----').length - 1;
  if (begun !== certificates.length) {
    throw new X509Error('X509_MALFORMED', 'a PEM CERTIFICATE block has no matching "-----END CERTIFICATE-----" line');
  }
  if (certificates.length === 0) {
    throw new X509Error('X509_NO_CERTIFICATE', 'no "-----BEGIN CERTIFICATE-----" block found in the PEM text');
  }
  return certificates;
}

/** One CERTIFICATE block, base64 in 64-character lines (RFC 7468), ending with a newline. */
export function certificateToPem(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return ['-----BEGIN CERTIFICATE-----', ...lines, '-----END CERTIFICATE-----', ''].join('\n');
}

/** True when `text` holds PEM certificates only that parse as X.509 (a service identity, a CA bundle). */
export function isCertificatePem(text: string): boolean {
  try {
    for (const der of parsePemCertificates(text)) new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}
