import { CountersignError } from '../errors.js';

export type PolicyErrorCode =
  | 'POLICY_MALFORMED' // not JSON, or a field of the wrong shape
  | 'POLICY_VERSION' // written by a newer countersign
  | 'POLICY_DUPLICATE' // the issuer or key is already there
  | 'POLICY_ROTATION_CONFLICT'; // a key rotation the policy's windows already contradict

export class PolicyError extends CountersignError<PolicyErrorCode> {
  readonly area = 'policy';
}
