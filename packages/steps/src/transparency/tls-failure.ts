import { TransparencyError } from '@countersign/core';

// OpenSSL's verdicts on a certificate chain, as Node reports them in `code`.
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);
const NAME_MISMATCH = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const TIME = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * A TLS failure is a setting to fix, not a passing fault: retrying cannot help, so it is reported at
 * once with the fix. Returns undefined for errors that are not about TLS.
 */
export function tlsFailure(error: unknown, service: string, pinned: boolean): TransparencyError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (UNTRUSTED.has(code)) {
    return new TransparencyError(
      'TS_TLS',
      pinned
        ? `${service}: its TLS certificate (${code}) was not issued by the service identity given (or stored in the trust policy) for it; get the service's current identity and give that`
        : `${service}: its TLS certificate is not trusted (${code}); a CCF service such as Microsoft Signing Transparency is vouched for by its own service identity: give it`,
    );
  }
  if (NAME_MISMATCH.has(code)) return new TransparencyError('TS_TLS', `${service}: its TLS certificate does not name this host (${code}); use the host name the certificate was issued for`);
  if (TIME.has(code)) return new TransparencyError('TS_TLS', `${service}: its TLS certificate is outside its validity period (${code}); check the clock, or get the service's current service identity`);
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return new TransparencyError('TS_TLS', `${service}: the TLS handshake failed (${code}); is it an https service, and is the service identity given the one it presents?`);
  return undefined;
}
