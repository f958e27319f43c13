export { PolicyError, type PolicyErrorCode } from './errors.js';
export {
  POLICY_VERSION,
  addIssuer,
  emptyPolicy,
  parsePolicy,
  serializePolicy,
  type AddIssuerInput,
  type IssuerRule,
  type ReceiptRules,
  type ServiceRule,
  type TrustPolicy,
  type TrustedKey,
} from './policy.js';
export { subjectMatches } from './subject-pattern.js';
