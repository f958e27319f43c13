import { hashText } from '../digest/hash-once.js';
import type { KeyObject } from 'node:crypto';
import { Certificate } from './certificate.js';
import { MAX_CHAIN_LENGTH, checkValidity, validateChain } from './chain.js';
import {
  DID_X509_SUBJECT_LABELS,
  formatDidX509,
  parseDidX509,
  type DidX509,
  type DidX509HashAlgorithm,
  type DidX509Policy,
  type DidX509SanType,
} from './did-x509-syntax.js';
import { X509Error } from './errors.js';
import { EXTENSION, attributeOid } from './oids.js';

export { parseDidX509, type DidX509, type DidX509HashAlgorithm, type DidX509Policy, type DidX509SanType } from './did-x509-syntax.js';

const LABEL_BY_OID: ReadonlyMap<string, string> = new Map(Object.entries(DID_X509_SUBJECT_LABELS).map(([label, oid]) => [oid, label]));

/** The leaf subject as the spec's JSON model has it: label or dotted OID to value; repeated attributes are unsupported. */
function subjectFields(leaf: Certificate): Map<string, string> {
  const fields = new Map<string, string>();
  for (const attribute of leaf.subject) {
    const key = LABEL_BY_OID.get(attribute.oid) ?? attribute.oid;
    if (fields.has(key)) throw new X509Error('DID_X509_UNSUPPORTED', `the leaf subject repeats ${key}, which did:x509 cannot express`);
    fields.set(key, attribute.value);
  }
  return fields;
}

/** The Fulcio issuer extension's value is the URL's bytes themselves, not a DER string. */
function fulcioIssuer(leaf: Certificate): string | undefined {
  const extension = leaf.extension(EXTENSION.fulcioIssuer);
  if (!extension) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(extension.value);
  } catch {
    throw new X509Error('X509_MALFORMED', 'the Fulcio issuer extension is not UTF-8');
  }
}

function mismatch(message: string): X509Error {
  return new X509Error('DID_X509_POLICY_MISMATCH', message);
}

function checkPolicy(policy: DidX509Policy, leaf: Certificate): void {
  switch (policy.name) {
    case 'subject': {
      const fields = subjectFields(leaf);
      for (const { key, value } of policy.attributes) {
        const actual = fields.get(key);
        if (actual === undefined) throw mismatch(`the leaf subject has no ${key} (the DID requires ${key}=${value})`);
        if (actual !== value) throw mismatch(`the leaf subject ${key} is "${actual}", not "${value}"`);
      }
      return;
    }
    case 'san':
      if (!leaf.subjectAltNames.some((san) => san.type === policy.type && san.value === policy.value)) {
        throw mismatch(`the leaf has no ${policy.type} subject alternative name "${policy.value}"`);
      }
      return;
    case 'eku':
      if (!leaf.extendedKeyUsages.includes(policy.oid)) {
        throw mismatch(
          leaf.extendedKeyUsages.length === 0
            ? `the leaf has no extended key usage extension (the DID requires ${policy.oid})`
            : `the leaf's extended key usages (${leaf.extendedKeyUsages.join(', ')}) do not include ${policy.oid}`,
        );
      }
      return;
    case 'fulcio-issuer': {
      const actual = fulcioIssuer(leaf);
      if (actual === undefined) throw mismatch('the leaf has no Fulcio issuer extension');
      if (actual !== `https://${policy.issuer}`) throw mismatch(`the leaf's Fulcio issuer is "${actual}", not "https://${policy.issuer}"`);
      return;
    }
  }
}

function parseChain(chainLeafFirst: readonly Uint8Array[]): Certificate[] {
  if (!Array.isArray(chainLeafFirst)) throw new X509Error('X509_MALFORMED', 'the certificate chain must be an array of DER certificates');
  if (chainLeafFirst.length < 2) {
    throw new X509Error(
      'DID_X509_CHAIN_TOO_SHORT',
      `did:x509 needs the leaf and at least one CA certificate; the chain has ${chainLeafFirst.length} (a lone self-signed certificate cannot be named)`,
    );
  }
  if (chainLeafFirst.length > MAX_CHAIN_LENGTH) {
    throw new X509Error('X509_CHAIN_BROKEN', `a chain of ${chainLeafFirst.length} certificates exceeds the limit of ${MAX_CHAIN_LENGTH}`);
  }
  return chainLeafFirst.map((der, index) => {
    try {
      return new Certificate(der);
    } catch (error) {
      if (error instanceof X509Error) throw new X509Error(error.code, `certificate ${index} of the chain: ${error.message}`, { cause: error });
      throw error;
    }
  });
}

/** Only the CA certificates (never the leaf) may carry the pinned fingerprint. */
function findPinnedCa(did: DidX509, chain: readonly Certificate[]): number {
  const pinned = Buffer.from(did.caFingerprint);
  const index = chain.findIndex((certificate, i) => i > 0 && pinned.equals(certificate.fingerprint(did.hashAlgorithm)));
  if (index < 0) {
    throw new X509Error('DID_X509_NO_CA_MATCH', `no CA certificate in the chain has the ${did.hashAlgorithm} fingerprint ${Buffer.from(pinned).toString('base64url')}`);
  }
  return index;
}

/** A signing key needs the DID document's assertionMethod: keyUsage absent or with digitalSignature. */
function checkLeafCanSign(leaf: Certificate): void {
  if (leaf.keyUsage && !leaf.keyUsage.includes('digitalSignature')) {
    throw new X509Error('DID_X509_KEY_USAGE', `the leaf's keyUsage (${leaf.keyUsage.join(', ') || 'none'}) does not include digitalSignature`);
  }
}

export interface ResolvedDidX509 {
  readonly did: DidX509;
  readonly leaf: Certificate;
  /** The leaf's key: the one that must verify what the DID's subject signed. */
  readonly publicKey: KeyObject;
  readonly chain: readonly Certificate[];
  /** Position in the chain of the CA certificate the DID pins. */
  readonly caIndex: number;
}

/**
 * Resolves a did:x509 against a leaf-first chain at time `at`: the chain validates (see
 * validateChain) and every certificate is valid at `at`, a CA certificate (not the leaf) has the
 * DID's fingerprint, every predicate holds for the leaf, and the leaf may sign.
 */
export function resolveDidX509(did: string, chainLeafFirst: readonly Uint8Array[], at: Date): ResolvedDidX509 {
  if (last && last.did === did && sameChain(last.chain, chainLeafFirst)) {
    checkValidity(last.resolved.chain, at);
    return last.resolved;
  }
  const key = resolutionKey(did, chainLeafFirst);
  const cached = resolutions.get(key);
  if (cached) {
    checkValidity(cached.chain, at);
    rememberLast(did, chainLeafFirst, cached);
    return cached;
  }
  const parsed = parseDidX509(did);
  const chain = parseChain(chainLeafFirst);
  validateChain(chain);
  checkValidity(chain, at);
  const caIndex = findPinnedCa(parsed, chain);
  const leaf = chain[0] as Certificate;
  for (const policy of parsed.policies) checkPolicy(policy, leaf);
  checkLeafCanSign(leaf);
  const resolved = { did: parsed, leaf, publicKey: leaf.publicKey, chain, caIndex };
  remember(key, resolved);
  rememberLast(did, chainLeafFirst, resolved);
  return resolved;
}

// A build signs thousands of statements with one chain, and checking a chain (signatures, key
// imports) costs several times the statement signature itself. Everything but the validity dates
// depends only on the DID and the chain bytes, so a resolution is kept and only the dates are
// checked again at each use.
const MAX_RESOLUTIONS = 256;
const resolutions = new Map<string, ResolvedDidX509>();

// The resolution used last, with its DID and chain bytes: a batch's statements come in runs signed with
// one chain, and comparing the next statement's chain with it costs less than hashing it.
let last: { did: string; chain: readonly Uint8Array[]; resolved: ResolvedDidX509 } | undefined;

function rememberLast(did: string, chain: readonly Uint8Array[], resolved: ResolvedDidX509): void {
  // Copies: the caller's certificates may be views into bytes it goes on to change.
  last = { did, chain: chain.map((der) => der.slice()), resolved };
}

function sameChain(known: readonly Uint8Array[], chain: readonly Uint8Array[]): boolean {
  if (!Array.isArray(chain) || known.length !== chain.length) return false;
  for (let i = 0; i < known.length; i++) {
    const der = chain[i];
    if (!(der instanceof Uint8Array) || !Buffer.from(der.buffer, der.byteOffset, der.byteLength).equals(known[i]!)) return false;
  }
  return true;
}

/** SHA-256 over the DID and every certificate, each length-prefixed: no other DID and chain share it. */
function resolutionKey(did: string, chain: readonly Uint8Array[]): string {
  const text = Buffer.from(did, 'utf8');
  const parts: Uint8Array[] = [Buffer.from(`${text.length}\0`), text];
  for (const der of chain) parts.push(Buffer.from(`\0${der.length}\0`), der);
  return hashText('sha256', Buffer.concat(parts), 'base64');
}

function remember(key: string, resolved: ResolvedDidX509): void {
  if (resolutions.size >= MAX_RESOLUTIONS) resolutions.delete(resolutions.keys().next().value as string);
  resolutions.set(key, resolved);
}

/** What the derived DID asserts about the leaf; see deriveDidX509. */
export type DidX509PolicyRequest =
  | 'subject'
  | { readonly subject: readonly string[] }
  | { readonly eku: string }
  | { readonly san: DidX509SanType; readonly value?: string }
  | 'fulcio-issuer';

export interface DeriveDidX509Options {
  readonly hashAlgorithm?: DidX509HashAlgorithm;
  /** Which CA certificate to pin (1 .. length-1); the default is the root, the last certificate. */
  readonly caIndex?: number;
}

function buildPolicy(request: DidX509PolicyRequest, leaf: Certificate): DidX509Policy {
  if (request === 'subject') {
    const attributes = [...subjectFields(leaf)].map(([key, value]) => ({ key, value }));
    if (attributes.length === 0) throw mismatch('the leaf subject is empty, so no subject predicate can name it');
    return { name: 'subject', attributes };
  }
  if (request === 'fulcio-issuer') {
    const issuer = fulcioIssuer(leaf);
    if (!issuer?.startsWith('https://')) throw mismatch('the leaf has no https Fulcio issuer extension');
    return { name: 'fulcio-issuer', issuer: issuer.slice('https://'.length) };
  }
  if ('subject' in request) {
    const fields = subjectFields(leaf);
    const attributes = request.subject.map((type) => {
      const oid = Object.hasOwn(DID_X509_SUBJECT_LABELS, type) ? DID_X509_SUBJECT_LABELS[type] : attributeOid(type);
      if (oid === undefined) throw new X509Error('X509_INVALID_OPTIONS', `unknown subject attribute type "${type}"`);
      const key = LABEL_BY_OID.get(oid) ?? oid;
      const value = fields.get(key);
      if (value === undefined) throw mismatch(`the leaf subject has no ${type}`);
      return { key, value };
    });
    if (attributes.length === 0) throw new X509Error('X509_INVALID_OPTIONS', 'a subject predicate needs at least one attribute');
    return { name: 'subject', attributes };
  }
  if ('eku' in request) return { name: 'eku', oid: request.eku };
  const value = request.value ?? leaf.subjectAltNames.find((san) => san.type === request.san)?.value;
  if (value === undefined) throw mismatch(`the leaf has no ${request.san} subject alternative name`);
  return { name: 'san', type: request.san, value };
}

/**
 * Names a chain's leaf as a did:x509. By default the DID pins the root (last certificate) by
 * SHA-256 and asserts the leaf's whole subject (every attribute, in certificate order, by the spec's
 * label or dotted OID). The DID is resolved against the chain before it is returned (validity
 * times aside), so a DID that would not resolve is never produced.
 */
export function deriveDidX509(
  chainLeafFirst: readonly Uint8Array[],
  policy: DidX509PolicyRequest | readonly DidX509PolicyRequest[] = 'subject',
  options: DeriveDidX509Options = {},
): string {
  const chain = parseChain(chainLeafFirst);
  const caIndex = options.caIndex ?? chain.length - 1;
  if (!Number.isInteger(caIndex) || caIndex < 1 || caIndex >= chain.length) {
    throw new X509Error('X509_INVALID_OPTIONS', `caIndex ${caIndex} is not a CA position in a chain of ${chain.length} (1..${chain.length - 1})`);
  }
  const leaf = chain[0] as Certificate;
  const requests = (Array.isArray(policy) ? policy : [policy]) as readonly DidX509PolicyRequest[];
  if (requests.length === 0) throw new X509Error('X509_INVALID_OPTIONS', 'a did:x509 needs at least one predicate');
  const hashAlgorithm = options.hashAlgorithm ?? 'sha256';
  const did = formatDidX509(hashAlgorithm, (chain[caIndex] as Certificate).fingerprint(hashAlgorithm), requests.map((r) => buildPolicy(r, leaf)));
  const parsed = parseDidX509(did);
  validateChain(chain);
  for (const predicate of parsed.policies) checkPolicy(predicate, leaf);
  checkLeafCanSign(leaf);
  return did;
}
