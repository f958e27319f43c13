import type { Certificate } from './certificate.js';
import { X509Error } from './errors.js';
import { formatName } from './name.js';
import { EXTENSION } from './oids.js';

/** Longer chains do not occur in practice; the bound keeps hostile input cheap. */
export const MAX_CHAIN_LENGTH = 16;

/**
 * Critical extensions a did:x509 resolver must tolerate (the spec's list: those its JSON model
 * represents plus the RFC 5280 path-validation ones). Anything else critical fails the chain.
 */
const PERMITTED_CRITICAL = new Set<string>([
  EXTENSION.basicConstraints,
  EXTENSION.keyUsage,
  EXTENSION.extKeyUsage,
  EXTENSION.subjectAltName,
  EXTENSION.nameConstraints,
  EXTENSION.policyConstraints,
  EXTENSION.policyMappings,
  EXTENSION.certificatePolicies,
  EXTENSION.inhibitAnyPolicy,
]);

function label(certificate: Certificate, index: number): string {
  return `certificate ${index} (${formatName(certificate.subject)})`;
}

function checkCriticalExtensions(certificate: Certificate, index: number): void {
  for (const extension of certificate.extensions) {
    if (extension.critical && !PERMITTED_CRITICAL.has(extension.oid)) {
      throw new X509Error('X509_CRITICAL_EXTENSION', `${label(certificate, index)} has critical extension ${extension.oid}, which is not processed`);
    }
  }
}

/** RFC 5280 6.1.4 (k), (l), (n): an issuing certificate must be a CA allowed to sign certificates, within its path length. */
function checkIssuingCertificate(chain: readonly Certificate[], index: number): void {
  const certificate = chain[index] as Certificate;
  if (!certificate.isCA) throw new X509Error('X509_CA_CONSTRAINTS', `${label(certificate, index)} issues a certificate but is not a CA`);
  if (certificate.keyUsage && !certificate.keyUsage.includes('keyCertSign')) {
    throw new X509Error('X509_CA_CONSTRAINTS', `${label(certificate, index)} issues a certificate but its keyUsage lacks keyCertSign`);
  }
  // Name constraints are not evaluated here, so a chain that carries them is refused rather than trusted beyond them.
  if (certificate.extension(EXTENSION.nameConstraints)) {
    throw new X509Error('X509_CA_CONSTRAINTS', `${label(certificate, index)} carries name constraints, which are not supported`);
  }
  if (certificate.pathLength !== undefined) {
    let intermediates = 0;
    for (let j = 1; j < index; j++) if (!(chain[j] as Certificate).isSelfIssued) intermediates++;
    if (intermediates > certificate.pathLength) {
      throw new X509Error(
        'X509_CA_CONSTRAINTS',
        `${label(certificate, index)} allows ${certificate.pathLength} intermediate CA(s) below it, but the chain has ${intermediates}`,
      );
    }
  }
}

/**
 * Validates a leaf-first chain with its last certificate as the trust anchor: each certificate is
 * named and signed by the next, every issuing certificate is a CA within its constraints, no
 * unprocessed critical extension appears, a self-issued anchor verifies its own signature, and,
 * when `at` is given, every certificate is valid at that time. Whether the anchor is trusted is
 * the caller's decision (did:x509 pins it by fingerprint).
 */
export function validateChain(chain: readonly Certificate[], at?: Date): void {
  if (chain.length === 0) throw new X509Error('X509_CHAIN_BROKEN', 'the certificate chain is empty');
  if (chain.length > MAX_CHAIN_LENGTH) {
    throw new X509Error('X509_CHAIN_BROKEN', `a chain of ${chain.length} certificates exceeds the limit of ${MAX_CHAIN_LENGTH}`);
  }
  chain.forEach((certificate, index) => checkCriticalExtensions(certificate, index));
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as Certificate;
    const parent = chain[i + 1] as Certificate;
    if (!child.isIssuedBy(parent)) {
      throw new X509Error(
        'X509_CHAIN_BROKEN',
        `${label(child, i)} names issuer ${formatName(child.issuer)}, but certificate ${i + 1} is ${formatName(parent.subject)}`,
      );
    }
    checkIssuingCertificate(chain, i + 1);
    if (!child.isSignedBy(parent)) {
      throw new X509Error('X509_CHAIN_BROKEN', `${label(child, i)} is not signed by the key of certificate ${i + 1}`);
    }
  }
  const anchor = chain[chain.length - 1] as Certificate;
  if (anchor.isSelfIssued && !anchor.isSignedBy(anchor)) {
    throw new X509Error('X509_CHAIN_BROKEN', `${label(anchor, chain.length - 1)} is self-issued but its self-signature does not verify`);
  }
  if (at !== undefined) checkValidity(chain, at);
}

/** RFC 5280 6.1.3 (a)(2), at a time the caller chooses (such as a receipt's registration time). */
export function checkValidity(chain: readonly Certificate[], at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('the validation time must be a valid Date');
  chain.forEach((certificate, index) => {
    if (!certificate.isValidAt(at)) {
      const when = at < certificate.notBefore ? 'not yet valid' : 'expired';
      throw new X509Error(
        'X509_NOT_VALID_AT_TIME',
        `${label(certificate, index)} is ${when} at ${at.toISOString()} (valid ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()})`,
      );
    }
  });
}
