import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { DerCursor, Tag, contextTag, readBitString, readDer, readInteger, readSmallInteger, readTime, type DerElement } from './der.js';
import { X509Error } from './errors.js';
import {
  parseAuthorityKeyIdentifier,
  parseBasicConstraints,
  parseExtendedKeyUsage,
  parseExtensions,
  parseKeyUsage,
  parseSubjectAltNames,
  parseSubjectKeyIdentifier,
  type Extension,
  type KeyUsage,
  type SubjectAltName,
} from './extensions.js';
import { namesMatch, parseName, type NameAttribute } from './name.js';
import { EXTENSION } from './oids.js';
import { parseSignatureAlgorithm, verifySignature } from './signature.js';

export type FingerprintAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** The largest certificate accepted; real ones are a few KiB, so this only stops absurd input. */
export const MAX_CERTIFICATE_SIZE = 64 * 1024;

/**
 * A parsed X.509 v1-v3 certificate. Every field comes from this module's own DER reading, so names,
 * times and extensions are exactly what the issuer wrote; node:crypto is used only for the public
 * key object and signature arithmetic.
 */
export class Certificate {
  readonly version: 1 | 2 | 3;
  readonly serialNumber: bigint;
  readonly issuer: readonly NameAttribute[];
  readonly subject: readonly NameAttribute[];
  /** The encoded Name fields, for exact comparisons. */
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER, the input for key identifiers and pinning. */
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly extensions: readonly Extension[];
  /** basicConstraints cA (false when the extension is absent). */
  readonly isCA: boolean;
  readonly pathLength: number | undefined;
  /** keyUsage bits that are set; undefined when the extension is absent (no restriction). */
  readonly keyUsage: readonly KeyUsage[] | undefined;
  /** Dotted OIDs of extKeyUsage; empty when the extension is absent. */
  readonly extendedKeyUsages: readonly string[];
  readonly subjectAltNames: readonly SubjectAltName[];
  readonly subjectKeyIdentifier: Uint8Array | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  /** The signed part, exactly as received. */
  readonly tbsCertificate: Uint8Array;
  /** The signatureAlgorithm AlgorithmIdentifier DER. */
  readonly signatureAlgorithm: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly sha256Fingerprint: Uint8Array;
  private key: KeyObject | undefined;

  readonly der: Uint8Array;

  constructor(der: Uint8Array) {
    if (!(der instanceof Uint8Array)) throw new X509Error('X509_MALFORMED', 'a certificate must be given as bytes');
    if (der.length > MAX_CERTIFICATE_SIZE) {
      throw new X509Error('X509_MALFORMED', `certificate of ${der.length} bytes exceeds the ${MAX_CERTIFICATE_SIZE}-byte limit`);
    }
    // A private copy: the fields below are views into it, and a caller's later writes must not change them.
    this.der = new Uint8Array(der);
    const outer = new DerCursor(readDer(this.der, 'certificate'), 'certificate');
    const tbs = outer.next(Tag.SEQUENCE, 'tbsCertificate');
    const signatureAlgorithm = outer.next(Tag.SEQUENCE, 'signatureAlgorithm');
    this.signatureAlgorithm = signatureAlgorithm.encoded;
    const signature = readBitString(outer.next(Tag.BIT_STRING, 'signatureValue'), 'signatureValue');
    outer.end();
    if (signature.unusedBits !== 0) throw new X509Error('X509_MALFORMED', 'signatureValue is not a whole number of bytes');
    this.signatureValue = signature.bytes;
    this.tbsCertificate = tbs.encoded;

    const fields = new DerCursor(tbs, 'tbsCertificate');
    const versionField = fields.optional(contextTag(0, true));
    this.version = versionField ? readVersion(versionField) : 1;
    this.serialNumber = readInteger(fields.next(Tag.INTEGER, 'serialNumber'), 'serialNumber');
    const innerAlgorithm = fields.next(Tag.SEQUENCE, 'signature');
    // RFC 5280 4.1.1.2: the signed copy of the algorithm must equal the unsigned one, or a verifier could be misled.
    if (!Buffer.from(innerAlgorithm.encoded).equals(Buffer.from(this.signatureAlgorithm))) {
      throw new X509Error('X509_MALFORMED', 'the signed and unsigned signature algorithms differ');
    }
    const issuer = fields.next(Tag.SEQUENCE, 'issuer');
    this.issuerDer = issuer.encoded;
    this.issuer = parseName(issuer, 'issuer');
    const validity = new DerCursor(fields.next(Tag.SEQUENCE, 'validity'), 'validity');
    this.notBefore = readTime(validity.nextAny('notBefore'), 'notBefore');
    this.notAfter = readTime(validity.nextAny('notAfter'), 'notAfter');
    validity.end();
    const subject = fields.next(Tag.SEQUENCE, 'subject');
    this.subjectDer = subject.encoded;
    this.subject = parseName(subject, 'subject');
    this.subjectPublicKeyInfo = fields.next(Tag.SEQUENCE, 'subjectPublicKeyInfo').encoded;
    fields.optional(contextTag(1, false)); // issuerUniqueID, unused since RFC 3280
    fields.optional(contextTag(2, false)); // subjectUniqueID
    const extensionsField = fields.optional(contextTag(3, true));
    fields.end();
    if (extensionsField && this.version !== 3) throw new X509Error('X509_MALFORMED', `a version ${this.version} certificate carries extensions`);
    this.extensions = extensionsField ? parseExtensions(extensionsField) : [];

    const find = (oid: string): Uint8Array | undefined => this.extensions.find((e) => e.oid === oid)?.value;
    const basic = find(EXTENSION.basicConstraints);
    const constraints = basic ? parseBasicConstraints(basic) : { isCA: false, pathLength: undefined };
    this.isCA = constraints.isCA;
    this.pathLength = constraints.pathLength;
    const keyUsage = find(EXTENSION.keyUsage);
    this.keyUsage = keyUsage ? parseKeyUsage(keyUsage) : undefined;
    const eku = find(EXTENSION.extKeyUsage);
    this.extendedKeyUsages = eku ? parseExtendedKeyUsage(eku) : [];
    const san = find(EXTENSION.subjectAltName);
    this.subjectAltNames = san ? parseSubjectAltNames(san) : [];
    const ski = find(EXTENSION.subjectKeyIdentifier);
    this.subjectKeyIdentifier = ski ? parseSubjectKeyIdentifier(ski) : undefined;
    const aki = find(EXTENSION.authorityKeyIdentifier);
    this.authorityKeyIdentifier = aki ? parseAuthorityKeyIdentifier(aki) : undefined;

    this.sha256Fingerprint = this.fingerprint('sha256');
  }

  /** The subject public key; loaded on first use so a CA with an exotic key can still be fingerprinted. */
  get publicKey(): KeyObject {
    if (!this.key) {
      try {
        this.key = createPublicKey({ key: Buffer.from(this.subjectPublicKeyInfo), format: 'der', type: 'spki' });
      } catch {
        throw new X509Error('X509_UNSUPPORTED_ALGORITHM', 'the subject public key is malformed or of an unsupported type');
      }
    }
    return this.key;
  }

  fingerprint(algorithm: FingerprintAlgorithm): Uint8Array {
    return new Uint8Array(createHash(algorithm).update(this.der).digest());
  }

  extension(oid: string): Extension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /** True when this certificate's signature verifies under `issuer`'s public key (names are not compared). */
  isSignedBy(issuer: Certificate): boolean {
    const algorithm = parseSignatureAlgorithm(readDer(this.signatureAlgorithm, 'signatureAlgorithm'), 'signatureAlgorithm');
    return verifySignature(algorithm, this.tbsCertificate, this.signatureValue, issuer.publicKey);
  }

  /** True when this certificate's issuer name is `issuer`'s subject name. */
  isIssuedBy(issuer: Certificate): boolean {
    return namesMatch(this.issuerDer, this.issuer, issuer.subjectDer, issuer.subject);
  }

  /** Self-issued in RFC 5280's sense: issuer and subject names match. */
  get isSelfIssued(): boolean {
    return this.isIssuedBy(this);
  }

  isValidAt(at: Date): boolean {
    const t = at.getTime();
    return t >= this.notBefore.getTime() && t <= this.notAfter.getTime();
  }
}

function readVersion(field: DerElement): 1 | 2 | 3 {
  const cursor = new DerCursor(field, 'version', field.tag);
  const version = readSmallInteger(cursor.next(Tag.INTEGER, 'value'), 2, 'version');
  cursor.end();
  // DER leaves DEFAULT v1 out, so an explicit v1 is malformed.
  if (version === 0) throw new X509Error('X509_MALFORMED', 'version v1 is written out although it is the default');
  return (version + 1) as 2 | 3;
}

/** Parses a DER certificate; any structural problem is an X509Error with code X509_MALFORMED. */
export function parseCertificate(der: Uint8Array): Certificate {
  return new Certificate(der);
}
