import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { keyIdOf, restrictKeyToAlgorithm } from '../cose/keys.js';
import { isCountersignError } from '../errors.js';
import { sameBytes } from '../merkle/checks.js';
import type { SignedStatement } from '../statement/signed-statement.js';
import type { IssuerRule, TrustedKey } from '../trust/policy.js';
import { resolveDidX509 } from '../x509/did-x509.js';

/** Where the issuer's key came from, or why none could be trusted (and which check that failure belongs to). */
export type IssuerKeyResult =
  | { readonly ok: true; readonly publicKey: KeyObject; readonly source: string; readonly trustedKey?: TrustedKey }
  | { ok: false; check: 'issuer' | 'key-validity'; reason: string };

// The statements of a batch mostly share their signer's kid: the text forms of the last kid seen are
// kept (with a copy of its bytes, compared in full each time) rather than decoded per statement.
let lastKid = { bytes: new Uint8Array(0), text: '', hex: undefined as string | undefined };

/** A statement's kid as text, and as hex for kids that are not text (made only when the text matches nothing). */
function kidForms(kid: Uint8Array): typeof lastKid {
  if (sameBytes(lastKid.bytes, kid)) return lastKid;
  const forms = { bytes: kid.slice(), text: Buffer.from(kid.buffer, kid.byteOffset, kid.byteLength).toString('utf8'), hex: undefined };
  // Kids are key ids (tens of bytes): an outsized one is not kept.
  if (kid.length <= 128) lastKid = forms;
  return forms;
}

function kidHex(forms: typeof lastKid): string {
  return (forms.hex ??= Buffer.from(forms.bytes.buffer, forms.bytes.byteOffset, forms.bytes.byteLength).toString('hex'));
}

/** A validity bound as milliseconds, parsed once per value the key holds (rotate-key may change it). */
interface ParsedTime {
  text: string | undefined;
  ms: number;
}

function timeOf(parsed: ParsedTime, text: string): number {
  if (parsed.text !== text) {
    parsed.ms = new Date(text).getTime();
    parsed.text = text;
  }
  return parsed.ms;
}

interface LoadedKey {
  key: TrustedKey;
  id: string;
  /** What issuerKey answers when this key is chosen: made once, read-only. */
  chosen: IssuerKeyResult & { ok: true };
  notBefore: ParsedTime;
  notAfter: ParsedTime;
}

function withinWindow(loaded: LoadedKey, at: Date): string | undefined {
  const { key } = loaded;
  const ms = at.getTime();
  if (key.notBefore && ms < timeOf(loaded.notBefore, key.notBefore)) return `key ${key.kid} is not valid before ${key.notBefore}`;
  if (key.notAfter && ms > timeOf(loaded.notAfter, key.notAfter)) return `key ${key.kid} was retired at ${key.notAfter}`;
  return undefined;
}

// Importing a JWK costs more than verifying a signature with it, and a fresh OpenSSL key object verifies
// more slowly than a used one; policies are long-lived, so each trusted key is imported once.
const loadedKeys = new WeakMap<TrustedKey, LoadedKey>();

function load(key: TrustedKey): LoadedKey {
  let loaded = loadedKeys.get(key);
  if (!loaded) {
    const publicKey = restrictKeyToAlgorithm(createPublicKey({ key: key.jwk, format: 'jwk' }), key.jwk.alg);
    const chosen = Object.freeze({ ok: true as const, publicKey, source: `trusted key ${key.kid}`, trustedKey: key });
    loaded = { key, id: keyIdOf(publicKey), chosen, notBefore: { text: undefined, ms: NaN }, notAfter: { text: undefined, ms: NaN } };
    loadedKeys.set(key, loaded);
  }
  return loaded;
}

function kidMatches({ key, id }: LoadedKey, forms: typeof lastKid): boolean {
  const { text } = forms;
  return key.kid === text || id === text || key.kid === kidHex(forms) || id === kidHex(forms);
}

function leafKeyId(statement: SignedStatement): string | undefined {
  try {
    return keyIdOf(new X509Certificate(statement.x5chain?.[0] ?? new Uint8Array(0)).publicKey);
  } catch {
    return undefined;
  }
}

/** The policy's keys that the statement names, in policy order: the first valid at `at` is chosen. */
function keyFromPolicy(statement: SignedStatement, rule: IssuerRule, at: Date): IssuerKeyResult {
  const keys = rule.keys ?? [];
  if (keys.length === 0) return { ok: false, check: 'issuer', reason: `the policy lists no keys for issuer ${rule.iss}` };
  const forms = statement.kid ? kidForms(statement.kid) : undefined;
  const leafId = forms ? undefined : leafKeyId(statement);
  if (!forms && leafId === undefined) return { ok: false, check: 'issuer', reason: 'the x5chain leaf is not a readable certificate' };
  let firstMatch: LoadedKey | undefined;
  for (const key of keys) {
    const candidate = load(key);
    if (forms ? !kidMatches(candidate, forms) : candidate.id !== leafId) continue;
    if (withinWindow(candidate, at) === undefined) return candidate.chosen;
    firstMatch ??= candidate;
  }
  if (!firstMatch) {
    return forms
      ? { ok: false, check: 'issuer', reason: `no trusted key of ${rule.iss} has kid ${forms.text}` }
      : { ok: false, check: 'issuer', reason: `the x5chain leaf key is not one of ${rule.iss}'s trusted keys` };
  }
  return { ok: false, check: 'key-validity', reason: withinWindow(firstMatch, at) as string };
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
