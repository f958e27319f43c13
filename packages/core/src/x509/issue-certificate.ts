import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { Certificate } from './certificate.js';
import {
  DerCursor,
  Tag,
  derBitString,
  derBoolean,
  derExplicit,
  derIa5String,
  derImplicit,
  derInteger,
  derNamedBits,
  derOctetString,
  derOid,
  derSequence,
  derTime,
  readBitString,
  readDer,
} from './der.js';
import { X509Error } from './errors.js';
import { KEY_USAGE_BITS, type Extension, type KeyUsage, type SubjectAltName } from './extensions.js';
import { encodeName, type NameAttributeInput } from './name.js';
import { EXTENSION } from './oids.js';
import { certificateSigner, keysMatch } from './signature.js';

/** Who signs: the private key alone makes a self-signed certificate; with a certificate, a CA-signed one. */
export interface CertificateIssuer {
  readonly privateKey: KeyObject;
  /** The issuer's certificate (DER). Absent for a self-signed certificate. */
  readonly certificate?: Uint8Array;
}

export interface IssueCertificateOptions {
  readonly subject: readonly NameAttributeInput[];
  /** The key the certificate binds to the subject (a private key is reduced to its public half). */
  readonly publicKey: KeyObject;
  readonly issuer: CertificateIssuer;
  /** Positive, at most 20 bytes (RFC 5280 4.1.2.2); bytes are an unsigned magnitude. Default: 16 random bytes. */
  readonly serialNumber?: Uint8Array | bigint;
  /** Written with whole-second precision (fractions are dropped, as RFC 5280 requires). */
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCA?: boolean;
  /** basicConstraints pathLenConstraint, for CAs only. */
  readonly pathLength?: number;
  /** Replaces the default keyUsage (keyCertSign + cRLSign for CAs, digitalSignature for leaves). */
  readonly keyUsage?: readonly KeyUsage[];
  readonly extendedKeyUsages?: readonly string[];
  readonly subjectAltNames?: readonly SubjectAltName[];
  /** Further extensions, written as given after the standard ones (value = the extnValue contents). */
  readonly extraExtensions?: readonly Extension[];
}

function invalid(message: string): X509Error {
  return new X509Error('X509_INVALID_OPTIONS', message);
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? derSequence(derOid(oid), derBoolean(true), derOctetString(value)) : derSequence(derOid(oid), derOctetString(value));
}

/** RFC 7093 method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey bits. */
export function keyIdentifier(subjectPublicKeyInfo: Uint8Array): Uint8Array {
  const spki = new DerCursor(readDer(subjectPublicKeyInfo, 'subjectPublicKeyInfo'), 'subjectPublicKeyInfo');
  spki.next(Tag.SEQUENCE, 'algorithm');
  const bits = readBitString(spki.next(Tag.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey');
  return new Uint8Array(createHash('sha256').update(bits.bytes).digest().subarray(0, 20));
}

function serialBytes(serial: Uint8Array | bigint | undefined): Uint8Array {
  if (serial === undefined) {
    const random = randomBytes(16);
    random[0] = (random[0] as number) & 0x7f; // positive without a padding byte
    random[15] = (random[15] as number) | 0x01; // never zero
    return derInteger(random);
  }
  const encoded = derInteger(serial);
  const contents = readDer(encoded).contents;
  const negative = typeof serial === 'bigint' ? serial <= 0n : serial.every((b) => b === 0);
  if (negative) throw invalid('the serial number must be positive');
  if (contents.length > 20) throw invalid(`the serial number takes ${contents.length} bytes; RFC 5280 allows at most 20`);
  return encoded;
}

/** IPv4 dotted quad or IPv6 text (with `::`) to its 4 or 16 bytes. */
function ipBytes(text: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.every((p) => p <= 255)) return Uint8Array.from(parts);
  }
  const halves = text.split('::');
  const groups = (half: string | undefined): string[] => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  const compressed = halves.length === 2;
  if (halves.length <= 2 && (compressed ? missing >= 1 : missing === 0)) {
    const all = [...head, ...Array<string>(compressed ? missing : 0).fill('0'), ...tail];
    if (all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) {
      const bytes = new Uint8Array(16);
      all.forEach((g, i) => {
        const n = parseInt(g, 16);
        bytes[2 * i] = n >> 8;
        bytes[2 * i + 1] = n & 0xff;
      });
      return bytes;
    }
  }
  throw invalid(`"${text}" is not an IPv4 or IPv6 address`);
}

function generalName(san: SubjectAltName): Uint8Array {
  const ia5 = (n: number): Uint8Array => {
    try {
      return derImplicit(n, readDer(derIa5String(san.value)).contents);
    } catch {
      throw invalid(`subject alternative name "${san.value}" is not ASCII`);
    }
  };
  switch (san.type) {
    case 'email':
      return ia5(1);
    case 'dns':
      return ia5(2);
    case 'uri':
      return ia5(6);
    case 'ip':
      return derImplicit(7, ipBytes(san.value));
    default:
      throw invalid(`unknown subject alternative name type "${String((san as { type: unknown }).type)}"`);
  }
}

function keyUsageBit(usage: KeyUsage): number {
  const bit = KEY_USAGE_BITS.indexOf(usage);
  if (bit < 0) throw invalid(`unknown key usage "${usage}"`);
  return bit;
}

function checkDate(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw invalid(`${what} is not a valid date`);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw invalid(`${what} year ${year} cannot be written in a certificate`);
}

const OWN_EXTENSIONS = new Set<string>([
  EXTENSION.basicConstraints,
  EXTENSION.keyUsage,
  EXTENSION.extKeyUsage,
  EXTENSION.subjectAltName,
  EXTENSION.subjectKeyIdentifier,
  EXTENSION.authorityKeyIdentifier,
]);

function buildExtensions(options: IssueCertificateOptions, isCA: boolean, subjectKeyId: Uint8Array, authorityKeyId: Uint8Array): Uint8Array[] {
  const pathLength = options.pathLength !== undefined ? [derInteger(options.pathLength)] : [];
  const usage = options.keyUsage ?? (isCA ? ['keyCertSign', 'cRLSign'] : ['digitalSignature']);
  const extensions = [
    extension(EXTENSION.basicConstraints, true, isCA ? derSequence(derBoolean(true), ...pathLength) : derSequence()),
    extension(EXTENSION.keyUsage, true, derNamedBits(usage.map(keyUsageBit))),
  ];
  if (options.extendedKeyUsages && options.extendedKeyUsages.length > 0) {
    const oids = options.extendedKeyUsages.map((oid) => {
      try {
        return derOid(oid);
      } catch {
        throw invalid(`extended key usage "${oid}" is not a dotted OID`);
      }
    });
    extensions.push(extension(EXTENSION.extKeyUsage, false, derSequence(...oids)));
  }
  const sans = options.subjectAltNames ?? [];
  if (sans.length > 0) {
    // RFC 5280 4.2.1.6: critical when the subject name is empty.
    extensions.push(extension(EXTENSION.subjectAltName, options.subject.length === 0, derSequence(...sans.map(generalName))));
  }
  extensions.push(extension(EXTENSION.subjectKeyIdentifier, false, derOctetString(subjectKeyId)));
  extensions.push(extension(EXTENSION.authorityKeyIdentifier, false, derSequence(derImplicit(0, authorityKeyId))));
  const seen = new Set(OWN_EXTENSIONS);
  for (const extra of options.extraExtensions ?? []) {
    if (seen.has(extra.oid)) throw invalid(`extension ${extra.oid} is already written from the other options`);
    seen.add(extra.oid);
    try {
      extensions.push(extension(extra.oid, extra.critical, extra.value));
    } catch {
      throw invalid(`extension id "${extra.oid}" is not a dotted OID`);
    }
  }
  return extensions;
}

/**
 * Issues an X.509 v3 certificate and returns its DER. The signature algorithm follows the issuer's
 * key: ECDSA with SHA-256/384/512 for P-256/384/521, sha256WithRSAEncryption for RSA, RSASSA-PSS
 * for RSA-PSS keys, and Ed25519/Ed448.
 */
export function issueCertificate(options: IssueCertificateOptions): Uint8Array {
  const { issuer, notBefore, notAfter } = options;
  checkDate(notBefore, 'notBefore');
  checkDate(notAfter, 'notAfter');
  if (Math.floor(notAfter.getTime() / 1000) < Math.floor(notBefore.getTime() / 1000)) throw invalid('notAfter is before notBefore');
  const isCA = options.isCA ?? false;
  if (options.pathLength !== undefined && (!isCA || !Number.isInteger(options.pathLength) || options.pathLength < 0)) {
    throw invalid('pathLength needs isCA and a non-negative integer');
  }
  const sans = options.subjectAltNames ?? [];
  if (options.subject.length === 0 && sans.length === 0) throw invalid('a certificate needs a subject name or a subject alternative name');

  const publicKey = options.publicKey.type === 'public' ? options.publicKey : createPublicKey(options.publicKey);
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const subjectKeyId = keyIdentifier(spki);

  let issuerName: Uint8Array;
  let authorityKeyId: Uint8Array;
  if (issuer.certificate === undefined) {
    if (!keysMatch(issuer.privateKey, publicKey)) throw invalid('a self-signed certificate must be signed with the private key of its own public key');
    issuerName = encodeName(options.subject);
    authorityKeyId = subjectKeyId;
  } else {
    const ca = new Certificate(issuer.certificate);
    if (!ca.isCA) throw invalid('the issuer certificate is not a CA (basicConstraints cA is not set)');
    if (ca.keyUsage && !ca.keyUsage.includes('keyCertSign')) throw invalid('the issuer certificate may not sign certificates (no keyCertSign)');
    if (!keysMatch(issuer.privateKey, ca.publicKey)) throw invalid("the issuer private key does not match the issuer certificate's public key");
    issuerName = ca.subjectDer;
    authorityKeyId = ca.subjectKeyIdentifier ?? keyIdentifier(ca.subjectPublicKeyInfo);
  }

  const extensions = buildExtensions(options, isCA, subjectKeyId, authorityKeyId);

  const signer = certificateSigner(issuer.privateKey);
  const tbs = derSequence(
    derExplicit(0, derInteger(2)),
    serialBytes(options.serialNumber),
    signer.algorithmIdentifier,
    issuerName,
    derSequence(derTime(notBefore), derTime(notAfter)),
    encodeName(options.subject),
    spki,
    derExplicit(3, derSequence(...extensions)),
  );
  return derSequence(tbs, signer.algorithmIdentifier, derBitString(signer.sign(tbs)));
}
