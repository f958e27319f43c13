import { X509Error } from './errors.js';

/** did:x509 strings and their parts (DIF / Microsoft did:x509 method specification, version 0). */

export type DidX509HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export const DID_X509_HASH_LENGTHS: Readonly<Record<DidX509HashAlgorithm, number>> = Object.freeze({ sha256: 32, sha384: 48, sha512: 64 });

/** Subject keys the spec names by label; every other attribute is named by its dotted OID. */
export const DID_X509_SUBJECT_LABELS: Readonly<Record<string, string>> = Object.freeze({
  CN: '2.5.4.3',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  C: '2.5.4.6',
  STREET: '2.5.4.9',
});

export type DidX509SanType = 'email' | 'dns' | 'uri';

/** One `::name:value` predicate, with its value percent-decoded. */
export type DidX509Policy =
  | { readonly name: 'subject'; readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: string }> }
  | { readonly name: 'san'; readonly type: DidX509SanType; readonly value: string }
  | { readonly name: 'eku'; readonly oid: string }
  /** The Fulcio OIDC issuer without its leading `https://`. */
  | { readonly name: 'fulcio-issuer'; readonly issuer: string };

export interface DidX509 {
  /** The DID without any `#fragment`. */
  readonly did: string;
  readonly version: 0;
  readonly hashAlgorithm: DidX509HashAlgorithm;
  readonly caFingerprint: Uint8Array;
  readonly policies: readonly DidX509Policy[];
  /** The fragment of a DID URL (`#0` names the verification method), if any. */
  readonly fragment: string | undefined;
}

/** Long enough for any real chain's predicates; stops pathological input early. */
export const MAX_DID_X509_LENGTH = 8192;

const OID = /^[0-9]+(\.[0-9]+)*$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function malformed(message: string): X509Error {
  return new X509Error('DID_X509_MALFORMED', message);
}

function unsupported(message: string): X509Error {
  return new X509Error('DID_X509_UNSUPPORTED', message);
}

/** Percent-encodes UTF-8 bytes, leaving only ALPHA / DIGIT / "-" / "." / "_" as they are (the spec's rule; `~` is encoded too). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Decodes a predicate value. Characters outside the spec's idchar set are taken literally rather
 * than refused, because issuers in the wild write them (a CN with a bare space, for one); a `%` must
 * still start a valid escape and the result must be UTF-8.
 */
export function percentDecode(value: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) throw malformed(`${what} contains a control character`);
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) throw malformed(`${what} has a "%" that does not start a %XX escape`);
  try {
    return decodeURIComponent(value);
  } catch {
    throw malformed(`${what} does not percent-decode to UTF-8`);
  }
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function parseFingerprint(text: string, hashAlgorithm: DidX509HashAlgorithm): Uint8Array {
  const expected = DID_X509_HASH_LENGTHS[hashAlgorithm];
  const bytes = BASE64URL.test(text) ? new Uint8Array(Buffer.from(text, 'base64url')) : new Uint8Array(0);
  // Re-encoding must give the same text, which rules out padding, stray bits and other spellings.
  if (bytes.length !== expected || base64url(bytes) !== text) {
    throw malformed(`CA fingerprint "${text}" is not ${expected} bytes of unpadded base64url (a ${hashAlgorithm} digest)`);
  }
  return bytes;
}

function parseSubject(value: string): DidX509Policy {
  const items = value.split(':');
  if (items.length % 2 !== 0) throw malformed(`subject predicate "${value}" is not a list of key:value pairs`);
  const attributes: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < items.length; i += 2) {
    const key = items[i] as string;
    const raw = items[i + 1] as string;
    if (!Object.hasOwn(DID_X509_SUBJECT_LABELS, key) && !OID.test(key)) {
      throw malformed(`subject key "${key}" is not CN, L, ST, O, OU, C, STREET or a dotted OID`);
    }
    if (attributes.some((a) => a.key === key)) throw malformed(`subject predicate names ${key} twice`);
    if (raw.length === 0) throw malformed(`subject ${key} has an empty value`);
    attributes.push({ key, value: percentDecode(raw, `subject ${key} value`) });
  }
  return { name: 'subject', attributes };
}

function parseSan(value: string): DidX509Policy {
  const items = value.split(':');
  if (items.length !== 2 || !items[0] || !items[1]) throw malformed(`san predicate "${value}" is not type:value`);
  const [type, raw] = items as [string, string];
  if (type !== 'email' && type !== 'dns' && type !== 'uri') throw unsupported(`san type "${type}" is not email, dns or uri`);
  return { name: 'san', type, value: percentDecode(raw, `san ${type} value`) };
}

function parsePredicate(text: string): DidX509Policy {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw malformed(`predicate "${text}" is not name:value`);
  const name = text.slice(0, colon);
  const value = text.slice(colon + 1);
  switch (name) {
    case 'subject':
      return parseSubject(value);
    case 'san':
      return parseSan(value);
    case 'eku':
      if (!OID.test(value)) throw malformed(`eku predicate "${value}" is not a dotted OID`);
      return { name: 'eku', oid: value };
    case 'fulcio-issuer':
      return { name: 'fulcio-issuer', issuer: percentDecode(value, 'fulcio-issuer value') };
    default:
      throw unsupported(`predicate "${name}" is not subject, san, eku or fulcio-issuer`);
  }
}

/** Parses a did:x509 (optionally with a `#fragment`); does not look at any certificate. */
export function parseDidX509(did: string): DidX509 {
  if (typeof did !== 'string') throw malformed('a did:x509 must be a string');
  if (did.length > MAX_DID_X509_LENGTH) throw malformed(`did:x509 of ${did.length} characters exceeds the ${MAX_DID_X509_LENGTH}-character limit`);
  const hash = did.indexOf('#');
  const bare = hash < 0 ? did : did.slice(0, hash);
  const fragment = hash < 0 ? undefined : did.slice(hash + 1);
  if (!bare.startsWith('did:x509:')) throw malformed(`"${bare.slice(0, 40)}" is not a did:x509`);
  if (/[/?]/.test(bare)) throw malformed('did:x509 defines no DID URL path or query');
  const [head = '', ...predicates] = bare.slice('did:x509:'.length).split('::');
  const parts = head.split(':');
  if (parts.length !== 3) throw malformed('did:x509 must start with version:hash-algorithm:ca-fingerprint');
  const [version, algorithm, fingerprint] = parts as [string, string, string];
  if (!/^[0-9]+$/.test(version)) throw malformed(`did:x509 version "${version}" is not a number`);
  if (version !== '0') throw unsupported(`did:x509 version ${version} is not supported (only 0)`);
  if (algorithm !== 'sha256' && algorithm !== 'sha384' && algorithm !== 'sha512') {
    throw unsupported(`did:x509 fingerprint algorithm "${algorithm}" is not sha256, sha384 or sha512`);
  }
  const caFingerprint = parseFingerprint(fingerprint, algorithm);
  if (predicates.length === 0) throw malformed('did:x509 names no predicate (expected ::subject:..., ::san:..., ::eku:... or ::fulcio-issuer:...)');
  return { did: bare, version: 0, hashAlgorithm: algorithm, caFingerprint, policies: predicates.map(parsePredicate), fragment };
}

/** Writes the predicate text, percent-encoding values as the spec requires. */
export function formatPolicy(policy: DidX509Policy): string {
  switch (policy.name) {
    case 'subject':
      return `subject:${policy.attributes.map((a) => `${a.key}:${percentEncode(a.value)}`).join(':')}`;
    case 'san':
      return `san:${policy.type}:${percentEncode(policy.value)}`;
    case 'eku':
      return `eku:${policy.oid}`;
    case 'fulcio-issuer':
      return `fulcio-issuer:${percentEncode(policy.issuer)}`;
  }
}

export function formatDidX509(hashAlgorithm: DidX509HashAlgorithm, caFingerprint: Uint8Array, policies: readonly DidX509Policy[]): string {
  return `did:x509:0:${hashAlgorithm}:${base64url(caFingerprint)}${policies.map((p) => `::${formatPolicy(p)}`).join('')}`;
}
