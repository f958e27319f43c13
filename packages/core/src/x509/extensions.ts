import {
  DerCursor,
  Tag,
  contextTag,
  derChildren,
  expectTag,
  readBitString,
  readBoolean,
  readDer,
  readOctetString,
  readOid,
  readSmallInteger,
  type DerElement,
} from './der.js';
import { X509Error } from './errors.js';

/** One certificate extension as it appears in the certificate. */
export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING contents (for most extensions, a DER item of its own). */
  readonly value: Uint8Array;
}

/** keyUsage bit names in bit order (RFC 5280 4.2.1.3). */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

export interface SubjectAltName {
  readonly type: 'email' | 'dns' | 'uri' | 'ip';
  readonly value: string;
}

function malformed(message: string): X509Error {
  return new X509Error('X509_MALFORMED', message);
}

/** Parses `[3] EXPLICIT Extensions`; RFC 5280 4.2 forbids the same extension twice. */
export function parseExtensions(explicit: DerElement): Extension[] {
  const [list, ...rest] = derChildren(explicit, 'extensions');
  if (!list || rest.length > 0) throw malformed('extensions field must hold exactly one SEQUENCE');
  expectTag(list, Tag.SEQUENCE, 'extensions');
  const extensions: Extension[] = [];
  const seen = new Set<string>();
  for (const item of derChildren(list, 'extensions')) {
    const cursor = new DerCursor(item, 'extension');
    const oid = readOid(cursor.next(Tag.OID, 'extnID'), 'extension id');
    const criticalField = cursor.optional(Tag.BOOLEAN);
    // DER says a FALSE default is left out; issuers that write it anyway are accepted.
    const critical = criticalField ? readBoolean(criticalField, `extension ${oid} critical flag`) : false;
    const value = readOctetString(cursor.next(Tag.OCTET_STRING, 'extnValue'), `extension ${oid} value`);
    cursor.end();
    if (seen.has(oid)) throw malformed(`extension ${oid} appears more than once`);
    seen.add(oid);
    extensions.push({ oid, critical, value });
  }
  return extensions;
}

export interface BasicConstraints {
  readonly isCA: boolean;
  readonly pathLength: number | undefined;
}

export function parseBasicConstraints(value: Uint8Array): BasicConstraints {
  const cursor = new DerCursor(readDer(value, 'basicConstraints'), 'basicConstraints');
  const caField = cursor.optional(Tag.BOOLEAN);
  const isCA = caField ? readBoolean(caField, 'basicConstraints cA') : false;
  const lengthField = cursor.optional(Tag.INTEGER);
  const pathLength = lengthField ? readSmallInteger(lengthField, 0xffff, 'basicConstraints pathLenConstraint') : undefined;
  cursor.end();
  return { isCA, pathLength };
}

export function parseKeyUsage(value: Uint8Array): KeyUsage[] {
  const bits = readBitString(readDer(value, 'keyUsage'), 'keyUsage');
  const usages: KeyUsage[] = [];
  KEY_USAGE_BITS.forEach((name, bit) => {
    const byte = bits.bytes[bit >> 3];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) usages.push(name);
  });
  return usages;
}

export function parseExtendedKeyUsage(value: Uint8Array): string[] {
  const list = readDer(value, 'extKeyUsage');
  expectTag(list, Tag.SEQUENCE, 'extKeyUsage');
  const oids = derChildren(list, 'extKeyUsage').map((item) => readOid(item, 'extKeyUsage purpose'));
  if (oids.length === 0) throw malformed('extKeyUsage lists no purpose');
  return oids;
}

function ascii(element: DerElement, what: string): string {
  if (element.contents.some((b) => b > 0x7f)) throw malformed(`${what} holds bytes outside IA5String`);
  return Buffer.from(element.contents).toString('latin1');
}

/** RFC 5952 text form: lower-case hex, no leading zeros, the longest run of zero groups as `::`. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

const SAN_TAGS = Object.freeze({
  rfc822Name: contextTag(1, false),
  dNSName: contextTag(2, false),
  uniformResourceIdentifier: contextTag(6, false),
  iPAddress: contextTag(7, false),
});

/** The GeneralName forms did:x509 and callers match on; other forms (otherName, directoryName, ...) are skipped. */
export function parseSubjectAltNames(value: Uint8Array): SubjectAltName[] {
  const list = readDer(value, 'subjectAltName');
  expectTag(list, Tag.SEQUENCE, 'subjectAltName');
  const names: SubjectAltName[] = [];
  const items = derChildren(list, 'subjectAltName');
  if (items.length === 0) throw malformed('subjectAltName lists no name');
  for (const item of items) {
    if ((item.tag & 0xc0) !== 0x80 || (item.tag & 0x1f) > 8) {
      throw malformed(`subjectAltName holds an item with tag 0x${item.tag.toString(16)}, which is not a GeneralName`);
    }
    switch (item.tag) {
      case SAN_TAGS.rfc822Name:
        names.push({ type: 'email', value: ascii(item, 'rfc822Name') });
        break;
      case SAN_TAGS.dNSName:
        names.push({ type: 'dns', value: ascii(item, 'dNSName') });
        break;
      case SAN_TAGS.uniformResourceIdentifier:
        names.push({ type: 'uri', value: ascii(item, 'uniformResourceIdentifier') });
        break;
      case SAN_TAGS.iPAddress:
        if (item.contents.length !== 4 && item.contents.length !== 16) {
          throw malformed(`iPAddress of ${item.contents.length} bytes is neither IPv4 nor IPv6`);
        }
        names.push({ type: 'ip', value: formatIp(item.contents) });
        break;
      default:
        break;
    }
  }
  return names;
}

export function parseSubjectKeyIdentifier(value: Uint8Array): Uint8Array {
  return readOctetString(readDer(value, 'subjectKeyIdentifier'), 'subjectKeyIdentifier');
}

/** The keyIdentifier of authorityKeyIdentifier, if the extension carries one. */
export function parseAuthorityKeyIdentifier(value: Uint8Array): Uint8Array | undefined {
  const element = readDer(value, 'authorityKeyIdentifier');
  expectTag(element, Tag.SEQUENCE, 'authorityKeyIdentifier');
  const first = derChildren(element, 'authorityKeyIdentifier')[0];
  return first && first.tag === contextTag(0, false) ? first.contents : undefined;
}
