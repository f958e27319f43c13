import { CountersignError } from '../errors.js';

export type X509ErrorCode =
  | 'X509_MALFORMED' // bytes that are not a well-formed DER certificate (or PEM block, or DER item)
  | 'X509_NO_CERTIFICATE' // PEM text without a single CERTIFICATE block
  | 'X509_UNSUPPORTED_ALGORITHM' // a signature or key algorithm this code does not verify or sign with
  | 'X509_INVALID_OPTIONS' // issueCertificate or deriveDidX509 asked for something it cannot or must not produce
  | 'X509_CHAIN_BROKEN' // names or signatures do not link each certificate to the next
  | 'X509_CA_CONSTRAINTS' // an issuing certificate is not a CA, may not sign certificates, or exceeds its path length
  | 'X509_CRITICAL_EXTENSION' // a critical extension this code does not process
  | 'X509_NOT_VALID_AT_TIME' // a certificate is expired or not yet valid at the time asked about
  | 'DID_X509_MALFORMED' // a string that does not follow the did:x509 syntax
  | 'DID_X509_UNSUPPORTED' // a did:x509 version, hash algorithm, predicate or certificate feature outside the spec
  | 'DID_X509_CHAIN_TOO_SHORT' // the spec requires a leaf and at least one CA certificate
  | 'DID_X509_NO_CA_MATCH' // no CA certificate in the chain has the DID's fingerprint
  | 'DID_X509_POLICY_MISMATCH' // the leaf does not satisfy a predicate of the DID
  | 'DID_X509_KEY_USAGE'; // the leaf's keyUsage does not allow it to sign

export class X509Error extends CountersignError<X509ErrorCode> {
  readonly area = 'x509';
}
