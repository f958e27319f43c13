import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { keyIdOf, restrictKeyToAlgorithm } from '../cose/keys.js';
import { isCountersignError } from '../errors.js';
import type { SignedStatement } from '../statement/signed-statement.js';
import type { IssuerRule, TrustedKey } from '../trust/policy.js';
import { resolveDidX509 } from '../x509/did-x509.js';

/** Where the issuer's key came from, or why none could be trusted (and which check that failure belongs to). */
export type IssuerKeyResult =
  | { ok: true; publicKey: KeyObject; source: string; trustedKey?: TrustedKey }
  | { ok: false; check: 'issuer' | 'key-validity'; reason: string };

/** A statement's kid as text, and as hex for kids that are not text (made only when the text matches nothing). */
function kidForms(kid: Uint8Array): [text: string, hex: () => string] {
  const bytes = Buffer.from(kid.buffer, kid.byteOffset, kid.byteLength);
  let hex: string | undefined;
  return [bytes.toString('utf8'), () => (hex ??= bytes.toString('hex'))];
}

function withinWindow(key: TrustedKey, at: Date): string | undefined {
  if (key.notBefore && at < new Date(key.notBefore)) return `key ${key.kid} is not valid before ${key.notBefore}`;
  if (key.notAfter && at > new Date(key.notAfter)) return `key ${key.kid} was retired at ${key.notAfter}`;
  return undefined;
}

interface LoadedKey {
  key: TrustedKey;
  publicKey: KeyObject;
  id: string;
  /** How a verdict names the key. */
  source: string;
}

// Importing a JWK costs more than verifying a signature with it, and a fresh OpenSSL key object verifies
// more slowly than a used one; policies are long-lived, so each trusted key is imported once.
const loadedKeys = new WeakMap<TrustedKey, LoadedKey>();

function load(key: TrustedKey): LoadedKey {
  let loaded = loadedKeys.get(key);
  if (!loaded) {
    const publicKey = restrictKeyToAlgorithm(createPublicKey({ key: key.jwk, format: 'jwk' }), key.jwk.alg);
    loaded = { key, publicKey, id: keyIdOf(publicKey), source: `trusted key ${key.kid}` };
    loadedKeys.set(key, loaded);
  }
  return loaded;
}

function keyFromPolicy(statement: SignedStatement, rule: IssuerRule, at: Date): IssuerKeyResult {
  const keys = rule.keys ?? [];
  if (keys.length === 0) return { ok: false, check: 'issuer', reason: `the policy lists no keys for issuer ${rule.iss}` };
  const loaded = keys.map(load);
  let matches: LoadedKey[];
  if (statement.kid) {
    const [text, hex] = kidForms(statement.kid);
    matches = [];
    for (const candidate of loaded) {
      const { key, id } = candidate;
      if (key.kid === text || id === text || key.kid === hex() || id === hex()) matches.push(candidate);
    }
    if (matches.length === 0) return { ok: false, check: 'issuer', reason: `no trusted key of ${rule.iss} has kid ${text}` };
  } else {
    let leafId: string;
    try {
      leafId = keyIdOf(new X509Certificate(statement.x5chain?.[0] ?? new Uint8Array(0)).publicKey);
    } catch {
      return { ok: false, check: 'issuer', reason: 'the x5chain leaf is not a readable certificate' };
    }
    matches = loaded.filter(({ id }) => id === leafId);
    if (matches.length === 0) return { ok: false, check: 'issuer', reason: `the x5chain leaf key is not one of ${rule.iss}'s trusted keys` };
  }
  const inWindow = matches.find(({ key }) => withinWindow(key, at) === undefined);
  if (!inWindow) return { ok: false, check: 'key-validity', reason: withinWindow((matches[0] as LoadedKey).key, at) as string };
  return { ok: true, publicKey: inWindow.publicKey, source: inWindow.source, trustedKey: inWindow.key };
}

function keyFromDidX509(statement: SignedStatement, rule: IssuerRule, at: Date): IssuerKeyResult {
  if (!statement.x5chain) return { ok: false, check: 'issuer', reason: 'a did:x509 issuer needs an x5chain in the protected header' };
  try {
    const resolved = resolveDidX509(rule.iss, [...statement.x5chain], at);
    return { ok: true, publicKey: resolved.publicKey, source: 'x5chain leaf certificate (did:x509 resolved)' };
  } catch (error) {
    if (!isCountersignError(error)) throw error;
    return { ok: false, check: error.code === 'X509_NOT_VALID_AT_TIME' ? 'key-validity' : 'issuer', reason: error.message };
  }
}

/** Chooses the key that must verify the statement, as the issuer's policy rule allows, at time `at`. */
export function issuerKey(statement: SignedStatement, rule: IssuerRule, at: Date): IssuerKeyResult {
  return rule.iss.startsWith('did:x509:') ? keyFromDidX509(statement, rule, at) : keyFromPolicy(statement, rule, at);
}
