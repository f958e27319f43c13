import type { KeyObject } from 'node:crypto';
import { keyIdOf, publicJwkOf, unusableKeyReason } from '../cose/keys.js';
import { PolicyError } from './errors.js';
import type { IssuerRule, TrustPolicy, TrustedKey } from './policy.js';

export interface IssuerKeyRotation {
  iss: string;
  previous: KeyObject;
  next: KeyObject;
  /** ISO 8601: the registration time of the rotation statement. */
  at: string;
}

export interface RotatedPolicy {
  policy: TrustPolicy;
  /** False when the policy already said exactly this (a rotation run again). */
  changed: boolean;
  /** The previous key was not in the issuer's keys and was added, retired at `at`. */
  adoptedPrevious: boolean;
}

/** The issuers whose keys include this one: the issuer a rotation of the key speaks for. */
export function issuersTrustingKey(policy: TrustPolicy, key: KeyObject): string[] {
  const kid = keyIdOf(key);
  return policy.issuers.filter((rule) => rule.keys?.some((trusted) => trusted.kid === kid)).map((rule) => rule.iss);
}

/**
 * Why this rotation cannot be recorded in the policy, checked before anything changes anywhere: a
 * previous key already retired at another time, a next key already valid from another time.
 */
export function rotationConflict(policy: TrustPolicy, rotation: { iss: string; previous: KeyObject; next?: KeyObject; at?: string }): string | undefined {
  const rule = policy.issuers.find((candidate) => candidate.iss === rotation.iss);
  if (rule?.iss.startsWith('did:x509:')) return `issuer ${rotation.iss} is a did:x509: its keys come from certificates, not from the policy`;
  const previous = rule?.keys?.find((key) => key.kid === keyIdOf(rotation.previous));
  if (previous?.notAfter !== undefined && (rotation.at === undefined || Date.parse(previous.notAfter) !== Date.parse(rotation.at))) {
    return `key ${previous.kid} of ${rotation.iss} was already retired at ${previous.notAfter}`;
  }
  const nextKid = rotation.next ? keyIdOf(rotation.next) : undefined;
  const next = rule?.keys?.find((key) => key.kid === nextKid);
  if (next?.notBefore !== undefined && rotation.at !== undefined && Date.parse(next.notBefore) !== Date.parse(rotation.at)) {
    return `key ${next.kid} of ${rotation.iss} is already valid from ${next.notBefore}`;
  }
  return undefined;
}

/**
 * Records a key rotation: the previous key's notAfter and the next key's notBefore become `at`. The
 * issuer and the previous key are added when absent (the caller named the issuer); the next key is
 * added when absent. A rotation already recorded leaves the policy as it is.
 */
export function rotateIssuerKey(policy: TrustPolicy, rotation: IssuerKeyRotation): RotatedPolicy {
  if (Number.isNaN(Date.parse(rotation.at))) throw new PolicyError('POLICY_MALFORMED', `rotation time ${rotation.at} is not an ISO 8601 time`);
  const conflict = rotationConflict(policy, rotation);
  if (conflict) throw new PolicyError('POLICY_ROTATION_CONFLICT', conflict);
  for (const key of [rotation.previous, rotation.next]) {
    const unusable = unusableKeyReason(key);
    if (unusable) throw new PolicyError('POLICY_MALFORMED', `key ${keyIdOf(key)} of ${rotation.iss} cannot verify statements: ${unusable}`);
  }
  const previousKid = keyIdOf(rotation.previous);
  const nextKid = keyIdOf(rotation.next);
  if (previousKid === nextKid) throw new PolicyError('POLICY_ROTATION_CONFLICT', `the new key of ${rotation.iss} is the previous key ${previousKid}`);

  const issuers: IssuerRule[] = policy.issuers.map((rule) => ({ ...rule }));
  let rule = issuers.find((candidate) => candidate.iss === rotation.iss);
  if (!rule) {
    rule = { iss: rotation.iss };
    issuers.push(rule);
  }
  const keys: TrustedKey[] = (rule.keys ?? []).map((key) => ({ ...key }));
  let changed = false;
  let previous = keys.find((key) => key.kid === previousKid);
  const adoptedPrevious = previous === undefined;
  if (!previous) {
    previous = { kid: previousKid, jwk: publicJwkOf(rotation.previous) };
    keys.push(previous);
  }
  if (previous.notAfter === undefined) {
    previous.notAfter = rotation.at;
    changed = true;
  }
  let next = keys.find((key) => key.kid === nextKid);
  if (!next) {
    next = { kid: nextKid, jwk: publicJwkOf(rotation.next) };
    keys.push(next);
  }
  if (next.notBefore === undefined) {
    next.notBefore = rotation.at;
    changed = true;
  }
  rule.keys = keys;
  return { policy: changed ? { ...policy, issuers } : policy, changed, adoptedPrevious };
}
