import {
  DerCursor,
  Tag,
  derChildren,
  derIa5String,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derUtf8String,
  expectTag,
  readOid,
  type DerElement,
} from './der.js';
import { X509Error } from './errors.js';
import { ATTRIBUTE_OIDS, attributeName, attributeOid } from './oids.js';

/** One attribute of a distinguished name, in certificate order (multi-valued RDNs are flattened). */
export interface NameAttribute {
  /** Short name (CN, O, OU, C, L, ST, STREET, emailAddress, ...) or the dotted OID when there is none. */
  readonly type: string;
  readonly oid: string;
  readonly value: string;
}

/** What a caller gives to build a name: `type` is a short name or a dotted OID. */
export interface NameAttributeInput {
  readonly type: string;
  readonly value: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true });

function malformed(message: string): X509Error {
  return new X509Error('X509_MALFORMED', message);
}

/**
 * Decodes the string types a DirectoryString, IA5String or PrintableString attribute can carry.
 * Values of other types come back as RFC 4514's `#` followed by the hex of their encoding.
 */
export function decodeDirectoryString(element: DerElement, what: string): string {
  const bytes = element.contents;
  switch (element.tag) {
    case Tag.UTF8_STRING:
      try {
        return utf8.decode(bytes);
      } catch {
        throw malformed(`${what} is not valid UTF-8`);
      }
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case Tag.NUMERIC_STRING:
    case Tag.VISIBLE_STRING:
      // Issuers put characters such as '@' or '_' in PrintableString often enough that the charset
      // is not enforced, but anything beyond 7-bit ASCII means the bytes are not what the tag says.
      if (bytes.some((b) => b > 0x7f)) throw malformed(`${what} holds bytes outside 7-bit ASCII`);
      return Buffer.from(bytes).toString('latin1');
    case Tag.TELETEX_STRING:
      // T.61 in practice carries Latin-1 (what OpenSSL and browsers assume).
      return Buffer.from(bytes).toString('latin1');
    case Tag.BMP_STRING:
      if (bytes.length % 2 !== 0) throw malformed(`${what} is a BMPString of odd length`);
      try {
        return utf16be.decode(bytes);
      } catch {
        throw malformed(`${what} is not valid UCS-2`);
      }
    case Tag.UNIVERSAL_STRING: {
      if (bytes.length % 4 !== 0) throw malformed(`${what} is a UniversalString whose length is not a multiple of 4`);
      let text = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const code = ((bytes[i] as number) << 24) | ((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
        if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw malformed(`${what} holds an invalid code point`);
        text += String.fromCodePoint(code);
      }
      return text;
    }
    default:
      return '#' + Buffer.from(element.encoded).toString('hex');
  }
}

/** Parses a Name (RFC 5280 4.1.2.4): SEQUENCE OF SET OF { type, value }. */
export function parseName(element: DerElement, what: string): NameAttribute[] {
  expectTag(element, Tag.SEQUENCE, what);
  const attributes: NameAttribute[] = [];
  for (const rdn of derChildren(element, what)) {
    expectTag(rdn, Tag.SET, `${what} RDN`);
    const pairs = derChildren(rdn, `${what} RDN`);
    if (pairs.length === 0) throw malformed(`${what} has an empty RDN`);
    for (const pair of pairs) {
      const cursor = new DerCursor(pair, `${what} attribute`);
      const oid = readOid(cursor.next(Tag.OID, 'type'), `${what} attribute type`);
      const value = decodeDirectoryString(cursor.nextAny('value'), `${what} ${attributeName(oid)} value`);
      cursor.end();
      attributes.push({ type: attributeName(oid), oid, value });
    }
  }
  return attributes;
}

/** Attribute types RFC 5280 and PKCS #9 require to be PrintableString or IA5String. */
const PRINTABLE_TYPES = new Set<string>([ATTRIBUTE_OIDS.C, ATTRIBUTE_OIDS.serialNumber, ATTRIBUTE_OIDS.dnQualifier]);
const IA5_TYPES = new Set<string>([ATTRIBUTE_OIDS.emailAddress, ATTRIBUTE_OIDS.DC]);

/** Encodes a Name with one attribute per RDN, in the order given; other types use UTF8String (RFC 5280 4.1.2.6). */
export function encodeName(attributes: readonly NameAttributeInput[]): Uint8Array {
  const rdns = attributes.map(({ type, value }) => {
    const oid = attributeOid(type);
    if (oid === undefined) {
      throw new X509Error('X509_INVALID_OPTIONS', `unknown name attribute type "${type}" (use a short name such as CN or a dotted OID)`);
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new X509Error('X509_INVALID_OPTIONS', `name attribute ${type} needs a non-empty value`);
    }
    if (oid === ATTRIBUTE_OIDS.C && !/^[A-Z]{2}$/.test(value)) {
      throw new X509Error('X509_INVALID_OPTIONS', `country "${value}" is not a two-letter ISO 3166 code`);
    }
    let encoded: Uint8Array;
    try {
      encoded = PRINTABLE_TYPES.has(oid) ? derPrintableString(value) : IA5_TYPES.has(oid) ? derIa5String(value) : derUtf8String(value);
    } catch (error) {
      throw new X509Error('X509_INVALID_OPTIONS', `name attribute ${type}: ${(error as Error).message}`);
    }
    return derSet(derSequence(derOid(oid), encoded));
  });
  return derSequence(...rdns);
}

/**
 * Compares names for chaining. RFC 5280 7.1 asks for RFC 4518 string preparation; this uses its
 * common core (case folding and whitespace collapsing) after an exact byte match fails.
 */
export function namesMatch(aDer: Uint8Array, a: readonly NameAttribute[], bDer: Uint8Array, b: readonly NameAttribute[]): boolean {
  if (Buffer.from(aDer).equals(Buffer.from(bDer))) return true;
  if (a.length !== b.length) return false;
  const fold = (text: string): string => text.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
  return a.every((attribute, i) => {
    const other = b[i] as NameAttribute;
    return attribute.oid === other.oid && fold(attribute.value) === fold(other.value);
  });
}

/** RFC 4514-style text for messages: `CN=Example, O=Org`. */
export function formatName(attributes: readonly NameAttribute[]): string {
  return attributes.map((a) => `${a.type}=${a.value}`).join(', ') || '(empty name)';
}
