export { PolicyError, type PolicyErrorCode } from './errors.js';
export {
  POLICY_VERSION,
  addIssuer,
  addService,
  emptyPolicy,
  parsePolicy,
  serializePolicy,
  type AddIssuerInput,
  type AddServiceInput,
  type IssuerRule,
  type ReceiptRules,
  type ServiceRule,
  type TrustPolicy,
  type TrustedKey,
} from './policy.js';
export { subjectMatcher, subjectMatches } from './subject-pattern.js';
export { issuersTrustingKey, rotateIssuerKey, rotationConflict, type IssuerKeyRotation, type RotatedPolicy } from './rotate-issuer-key.js';
