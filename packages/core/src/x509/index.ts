export { X509Error, type X509ErrorCode } from './errors.js';
export { parsePemCertificates, certificateToPem, isCertificatePem } from './pem.js';
export { Certificate, parseCertificate, MAX_CERTIFICATE_SIZE, type FingerprintAlgorithm } from './certificate.js';
export type { NameAttribute, NameAttributeInput } from './name.js';
export { KEY_USAGE_BITS, type Extension, type KeyUsage, type SubjectAltName } from './extensions.js';
export { EKU } from './oids.js';
export { issueCertificate, keyIdentifier, type CertificateIssuer, type IssueCertificateOptions } from './issue-certificate.js';
export { validateChain, checkValidity, MAX_CHAIN_LENGTH } from './chain.js';
export {
  parseDidX509,
  percentEncode as didX509PercentEncode,
  type DidX509,
  type DidX509HashAlgorithm,
  type DidX509Policy,
  type DidX509SanType,
} from './did-x509-syntax.js';
export { deriveDidX509, resolveDidX509, type DeriveDidX509Options, type DidX509PolicyRequest, type ResolvedDidX509 } from './did-x509.js';
export { issueDevChain, type DevChain, type DevChainOptions } from './dev-chain.js';
