import { createHash } from 'node:crypto';
import { parseDidX509, type SignedStatement, type TrustPolicy } from '@countersign/core';
import { StepError } from '../errors.js';
import { keyIdsOf } from './read-entry.js';

type FingerprintAlgorithm = 'sha256' | 'sha384' | 'sha512';
const FINGERPRINT_LENGTHS: Record<number, FingerprintAlgorithm> = { 32: 'sha256', 48: 'sha384', 64: 'sha512' };

/** A CA certificate fingerprint, as did:x509 names one. */
export interface CaFingerprint {
  algorithm: FingerprintAlgorithm;
  hex: string;
}

/** What the monitor (or a listing) looks for in each entry. */
export interface WatchList {
  issuers: ReadonlySet<string>;
  /** Key ids, lower-case where hex. */
  keys: ReadonlySet<string>;
  cas: readonly CaFingerprint[];
}

/**
 * A CA fingerprint as a user gives it: hex (SHA-256, 384 or 512 by its length, colons allowed) or the
 * base64url form a did:x509 carries.
 */
export function parseCaFingerprint(text: string): CaFingerprint {
  const compact = text.trim().replace(/:/g, '');
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(compact) && compact.length % 2 === 0) bytes = Buffer.from(compact, 'hex');
  else if (/^[A-Za-z0-9_-]+$/.test(compact)) bytes = Buffer.from(compact, 'base64url');
  const algorithm = bytes && FINGERPRINT_LENGTHS[bytes.length];
  if (!bytes || !algorithm) throw new StepError('STEP_USAGE', `CA fingerprint "${text.slice(0, 100)}" is not a SHA-256, SHA-384 or SHA-512 fingerprint in hex or base64url`, { input: 'ca' });
  return { algorithm, hex: bytes.toString('hex') };
}

/**
 * The monitor's watch list: the issuers named (default: every issuer the policy trusts), the keys
 * named together with every key the policy lists for those issuers, and the CA of every watched
 * did:x509 issuer, so a stolen key or CA is caught whatever issuer its statement claims.
 */
export function monitorWatchList(policy: TrustPolicy, issuers: readonly string[], keys: readonly string[]): WatchList {
  const watched = issuers.length ? issuers : policy.issuers.map((rule) => rule.iss);
  if (watched.length === 0 && keys.length === 0) throw new StepError('STEP_USAGE', 'nothing to watch: the trust policy lists no issuer, and no issuer or key was named', { input: 'issuer' });
  const keyIds = new Set(keys.map(normalKeyId));
  const cas: CaFingerprint[] = [];
  for (const iss of watched) {
    const rule = policy.issuers.find((candidate) => candidate.iss === iss);
    for (const key of rule?.keys ?? []) keyIds.add(normalKeyId(key.kid));
    if (iss.startsWith('did:x509:')) {
      try {
        const did = parseDidX509(iss);
        cas.push({ algorithm: did.hashAlgorithm, hex: Buffer.from(did.caFingerprint).toString('hex') });
      } catch {
        // an issuer that is not a well-formed did:x509 is still watched by name
      }
    }
  }
  return { issuers: new Set(watched), keys: keyIds, cas };
}

function normalKeyId(kid: string): string {
  return /^[0-9a-fA-F]+$/.test(kid) ? kid.toLowerCase() : kid;
}

/** Why an entry is watched (its issuer, its key, its CA), or undefined when it is not. */
export function watchedBecause(statement: SignedStatement, watch: WatchList): string | undefined {
  if (watch.issuers.has(statement.claims.iss)) return `issuer ${statement.claims.iss}`;
  if (watch.keys.size > 0) {
    const key = keyIdsOf(statement).map(normalKeyId).find((id) => watch.keys.has(id));
    if (key !== undefined) return `key ${key}`;
  }
  if (watch.cas.length > 0 && statement.x5chain) {
    for (const certificate of statement.x5chain) {
      const ca = watch.cas.find(({ algorithm, hex }) => createHash(algorithm).update(certificate).digest('hex') === hex);
      if (ca) return `certificate from CA ${ca.algorithm}:${ca.hex}`;
    }
  }
  return undefined;
}
