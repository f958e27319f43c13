import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CborTag, decode } from '../src/cbor/index.js';
import { Certificate, parseCertificate } from '../src/x509/certificate.js';
import { validateChain } from '../src/x509/chain.js';
import {
  MAX_DER_DEPTH,
  Tag,
  decodeOid,
  derChildren,
  derGeneralizedTime,
  derInteger,
  derNamedBits,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtcTime,
  encodeOid,
  readBitString,
  readDer,
  readInteger,
  readTime,
} from '../src/x509/der.js';
import { X509Error } from '../src/x509/errors.js';
import { issueCertificate, type IssueCertificateOptions } from '../src/x509/issue-certificate.js';
import { certificateToPem, parsePemCertificates } from '../src/x509/pem.js';
import { errorCode } from './error-code.js';
import { VECTORS_DIR } from './vectors.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

const codeOf = (fn: () => unknown): string => errorCode(fn, 'no error');

// ---- vectors ---------------------------------------------------------------------------------

const vectorsDir = join(VECTORS_DIR, 'scitt-statements');
const haveVectors = existsSync(vectorsDir);
const describeIfVectors = haveVectors ? describe : describe.skip;
if (!haveVectors) console.warn(`x509 golden-parse tests skipped: the shared vectors folder ${vectorsDir} is absent`);

/** The x5chain (label 33, a bstr or an array of bstr) from a signed statement's protected header. */
function x5chainOf(file: string): Uint8Array[] {
  const top = decode(readFileSync(join(vectorsDir, file)));
  const message = (top instanceof CborTag ? top.value : top) as unknown[];
  const header = decode(message[0] as Uint8Array) as Map<unknown, unknown>;
  const x5chain = header.get(33);
  return (Array.isArray(x5chain) ? x5chain : [x5chain]) as Uint8Array[];
}

// ---- DER reader --------------------------------------------------------------------------------

describe('DER reader', () => {
  it('reads a TLV and its children', () => {
    const element = readDer(bytes('3006020101020102'));
    expect(element.tag).toBe(Tag.SEQUENCE);
    expect(derChildren(element, 'test').map((child) => hex(child.contents))).toEqual(['01', '02']);
  });

  it.each([
    ['empty input', ''],
    ['a tag without a length', '30'],
    ['a length beyond the input', '300501020304'],
    ['a long-form length cut short', '308201'],
    ['an indefinite length', '30800000'],
    ['a long form for a short length', '3081050102030405'.slice(0, 6) + '0102030405'],
    ['a long-form length with a leading zero', '308200050102030405'],
    ['a 5-byte length', '30850000000001ff'],
    ['a high tag number', '1f2a0100'],
    ['trailing bytes', '0201010000'],
  ])('rejects %s', (_name, input) => {
    expect(codeOf(() => readDer(bytes(input)))).toBe('X509_MALFORMED');
  });

  it('rejects a child whose length overruns its parent', () => {
    const element = readDer(bytes('3003020501'));
    expect(codeOf(() => derChildren(element, 'test'))).toBe('X509_MALFORMED');
  });

  it('bounds nesting depth', () => {
    let nested = derInteger(1);
    for (let i = 0; i < MAX_DER_DEPTH + 2; i++) nested = derSequence(nested);
    let element = readDer(nested);
    const walk = (): void => {
      for (;;) element = derChildren(element, 'deep')[0] as typeof element;
    };
    expect(codeOf(walk)).toBe('X509_MALFORMED');
  });

  it('encodes and decodes INTEGERs in minimal two\'s complement', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '020100'],
      [127n, '02017f'],
      [128n, '02020080'],
      [256n, '02020100'],
      [-1n, '0201ff'],
      [-128n, '020180'],
      [-129n, '0202ff7f'],
      [2n ** 64n, '0209010000000000000000'],
    ];
    for (const [value, encoding] of cases) {
      expect(hex(derInteger(value))).toBe(encoding);
      expect(readInteger(readDer(bytes(encoding)), 'n')).toBe(value);
    }
    expect(hex(derInteger(bytes('80')))).toBe('02020080'); // bytes are an unsigned magnitude
    expect(hex(derInteger(bytes('000001')))).toBe('020101');
    expect(codeOf(() => readInteger(readDer(bytes('02020001')), 'n'))).toBe('X509_MALFORMED');
    expect(codeOf(() => readInteger(readDer(bytes('0202ff80')), 'n'))).toBe('X509_MALFORMED');
    expect(codeOf(() => readInteger(readDer(bytes('0200')), 'n'))).toBe('X509_MALFORMED');
  });

  it('encodes and decodes OBJECT IDENTIFIERs, large arcs included', () => {
    expect(hex(derOid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    for (const oid of ['2.5.29.19', '2.999', '0.9.2342.19200300.100.1.25', '2.25.329800735698586629295641978511506172918']) {
      expect(decodeOid(encodeOid(oid), 'oid')).toBe(oid);
    }
    expect(codeOf(() => decodeOid(bytes('2a8001'), 'oid'))).toBe('X509_MALFORMED');
    expect(codeOf(() => decodeOid(bytes('2a86'), 'oid'))).toBe('X509_MALFORMED');
    expect(() => encodeOid('1.40')).toThrow(RangeError);
    expect(() => encodeOid('1.02')).toThrow(RangeError);
  });

  it('writes named bits without trailing zeros and checks unused bits on reading', () => {
    expect(hex(derNamedBits([0]))).toBe('03020780'); // digitalSignature
    expect(hex(derNamedBits([5, 6]))).toBe('03020106'); // keyCertSign, cRLSign
    expect(hex(derNamedBits([0, 8]))).toBe('0303078080');
    expect(codeOf(() => readBitString(readDer(bytes('03020781')), 'bits'))).toBe('X509_MALFORMED');
    expect(codeOf(() => readBitString(readDer(bytes('030108')), 'bits'))).toBe('X509_MALFORMED');
  });

  it('sorts SET OF by encoding', () => {
    expect(hex(derSet(derInteger(2), derInteger(1)))).toBe('3106020101020102');
  });

  it('chooses UTCTime through 2049 and GeneralizedTime from 2050, as RFC 5280 requires', () => {
    expect(hex(derTime(new Date('2049-12-31T23:59:59.999Z')))).toBe(hex(derUtcTime(new Date('2049-12-31T23:59:59Z'))));
    expect(readDer(derTime(new Date('2049-12-31T23:59:59Z'))).tag).toBe(Tag.UTC_TIME);
    expect(readDer(derTime(new Date('2050-01-01T00:00:00Z'))).tag).toBe(Tag.GENERALIZED_TIME);
    expect(readDer(derTime(new Date('1949-12-31T23:59:59Z'))).tag).toBe(Tag.GENERALIZED_TIME);
    expect(Buffer.from(readDer(derTime(new Date('1950-01-01T00:00:00Z'))).contents).toString()).toBe('500101000000Z');
    for (const iso of ['1950-01-01T00:00:00Z', '2000-02-29T12:34:56Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      expect(readTime(readDer(derTime(new Date(iso))), 't').toISOString()).toBe(new Date(iso).toISOString());
    }
    expect(() => derUtcTime(new Date('2050-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(hex(derGeneralizedTime(new Date('2024-05-06T07:08:09Z')))).toBe(hex(Buffer.from('180f32303234303530363037303830395a', 'hex')));
  });

  it.each([
    ['a UTCTime with an offset', '17113233303130313030303030302b30313030'],
    ['a UTCTime without seconds', '170b323330313031303030305a'],
    ['a GeneralizedTime with a fraction', '181132303233303130313030303030302e315a'],
    ['February 30th', '170d3233303233303030303030305a'],
    ['an hour of 24', '170d3233303130313234303030305a'],
    ['an INTEGER in place of a time', '020101'],
  ])('rejects %s', (_name, input) => {
    expect(codeOf(() => readTime(readDer(bytes(input)), 't'))).toBe('X509_MALFORMED');
  });
});

// ---- PEM -------------------------------------------------------------------------------------

describe('PEM', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const der = issueCertificate({
    subject: [{ type: 'CN', value: 'pem' }],
    publicKey: key,
    issuer: { privateKey: key },
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2026-01-01T00:00:00Z'),
  });

  it('round-trips certificates in order and skips other blocks', () => {
    const pem = certificateToPem(der);
    expect(pem.split('\n').every((line) => line.length <= 64)).toBe(true);
    expect(new X509Certificate(pem).raw.equals(Buffer.from(der))).toBe(true);
    const other = Uint8Array.of(0x30, 0x00);
    const bundle = `subject=whatever\n${pem}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${certificateToPem(other)}`;
    expect(parsePemCertificates(bundle).map(hex)).toEqual([hex(der), hex(other)]);
    expect(parsePemCertificates(pem.replace(/\n/g, '\r\n')).map(hex)).toEqual([hex(der)]);
  });

  it('fails clearly when there is no certificate', () => {
    expect(codeOf(() => parsePemCertificates(''))).toBe('X509_NO_CERTIFICATE');
    expect(codeOf(() => parsePemCertificates('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'))).toBe('X509_NO_CERTIFICATE');
    expect(() => parsePemCertificates('hello')).toThrow(/no "-----BEGIN CERTIFICATE-----" block/);
  });

  it('rejects broken blocks', () => {
    const pem = certificateToPem(der);
    expect(codeOf(() => parsePemCertificates(pem.replace('-----END CERTIFICATE-----', '')))).toBe('X509_MALFORMED');
    expect(codeOf(() => parsePemCertificates(pem.replace('-----END CERTIFICATE-----', '-----END X509 CRL-----')))).toBe('X509_MALFORMED');
    expect(codeOf(() => parsePemCertificates(pem.replace(/M/, '*')))).toBe('X509_MALFORMED');
    expect(codeOf(() => parsePemCertificates('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'))).toBe('X509_MALFORMED');
  });
});

// ---- golden parse of real certificates ---------------------------------------------------------

/** node:crypto's multi-line name text (`C=IE\nO=...`), rebuilt from our attributes. */
function nodeNameText(attributes: readonly { type: string; value: string }[]): string {
  return attributes.map((a) => `${a.type}=${a.value}`).join('\n');
}

describeIfVectors('parseCertificate on real x5chains', () => {
  const files = ['cosesign1tool-scitt-a3be7e5.cose', 'manifest.spdx.json.sha384.digest.cose', 'unit-test-coseplayground-es256-didx509.cose'];

  it.each(files)('agrees with node:crypto on every certificate of %s', (file) => {
    const chain = x5chainOf(file);
    expect(chain.length).toBeGreaterThanOrEqual(2);
    for (const der of chain) {
      const ours = parseCertificate(der);
      const theirs = new X509Certificate(der);
      expect(nodeNameText(ours.subject)).toBe(theirs.subject);
      expect(nodeNameText(ours.issuer)).toBe(theirs.issuer);
      expect(ours.notBefore.getTime()).toBe(new Date(theirs.validFrom).getTime());
      expect(ours.notAfter.getTime()).toBe(new Date(theirs.validTo).getTime());
      expect(ours.isCA).toBe(theirs.ca);
      expect(ours.extendedKeyUsages).toEqual(theirs.keyUsage ?? []);
      expect(hex(ours.sha256Fingerprint)).toBe(theirs.fingerprint256.replace(/:/g, '').toLowerCase());
      expect(hex(ours.der)).toBe(hex(theirs.raw));
      expect(ours.publicKey.equals(theirs.publicKey)).toBe(true);
      expect(ours.serialNumber.toString(16).toUpperCase().padStart(theirs.serialNumber.length, '0')).toBe(theirs.serialNumber);
    }
  });

  it('reads the exact fields of the CosePlayground chain', () => {
    const [leafDer, rootDer] = x5chainOf('unit-test-coseplayground-es256-didx509.cose') as [Uint8Array, Uint8Array];
    const leaf = parseCertificate(leafDer);
    const root = parseCertificate(rootDer);
    expect(leaf.subject).toEqual([
      { type: 'C', oid: '2.5.4.6', value: 'IE' },
      { type: 'O', oid: '2.5.4.10', value: 'DoNotTrustMe' },
      { type: 'CN', oid: '2.5.4.3', value: 'CosePlayground Signer' },
    ]);
    expect(leaf.issuer.map((a) => a.value)).toEqual(['IE', 'DoNotTrustMe', 'CosePlayground']);
    expect(leaf.notBefore.toISOString()).toBe('2025-05-20T00:33:41.000Z');
    expect(leaf.notAfter.toISOString()).toBe('2025-05-25T00:33:41.000Z');
    expect(leaf.isCA).toBe(false);
    expect(leaf.extendedKeyUsages).toEqual(['1.3.6.1.5.5.7.3.3', '1.3.6.1.4.1.311.2.1.22', '1.3.6.1.4.1.311.61.1.1']);
    expect(root.isCA).toBe(true);
    expect(Buffer.from(root.sha256Fingerprint).toString('base64url')).toBe('jGUeSuDcpdma5bXmdgAvzhAu3jbV5-jAuS8IX8XcokE');
    expect(leaf.isSignedBy(root)).toBe(true);
    expect(root.isSignedBy(root)).toBe(true);
    expect(leaf.isSignedBy(leaf)).toBe(false);
    expect(leaf.isIssuedBy(root)).toBe(true);
  });

  it('reads the PS384 statement chain (RSA, three certificates) and validates it', () => {
    const chain = x5chainOf('manifest.spdx.json.sha384.digest.cose').map(parseCertificate);
    const [leaf, pca, root] = chain as [Certificate, Certificate, Certificate];
    expect(leaf.subject).toEqual([{ type: 'CN', oid: '2.5.4.3', value: 'PPE3 Code Sign Test (DO NOT TRUST)' }]);
    expect(leaf.extendedKeyUsages).toContain('1.3.6.1.4.1.311.10.3.13');
    expect(leaf.publicKey.asymmetricKeyType).toBe('rsa');
    expect(pca.isCA && root.isCA).toBe(true);
    expect(root.isSelfIssued).toBe(true);
    expect(leaf.isSignedBy(pca) && pca.isSignedBy(root)).toBe(true);
    expect(codeOf(() => validateChain(chain, new Date(leaf.notBefore.getTime() + 1000)))).toBe('no error');
    expect(codeOf(() => validateChain([leaf, root]))).toBe('X509_CHAIN_BROKEN');
  });

  it('reports key usage and the leaf EKU of the cosesign1tool chain', () => {
    const [leaf, root] = x5chainOf('cosesign1tool-scitt-a3be7e5.cose').map(parseCertificate) as [Certificate, Certificate];
    expect(leaf.extendedKeyUsages).toEqual(['2.999']);
    expect(leaf.keyUsage).toContain('digitalSignature');
    expect(root.keyUsage).toContain('keyCertSign');
  });
});

// ---- issueCertificate --------------------------------------------------------------------------

type KeyKind = 'P-256' | 'P-384' | 'P-521' | 'RSA' | 'RSA-PSS' | 'Ed25519';

const keyCache = new Map<string, KeyObject>();
function privateKeyOf(kind: KeyKind, slot = 0): KeyObject {
  const id = `${kind}/${slot}`;
  let key = keyCache.get(id);
  if (!key) {
    if (kind === 'RSA') key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    else if (kind === 'RSA-PSS') key = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey;
    else if (kind === 'Ed25519') key = generateKeyPairSync('ed25519').privateKey;
    else key = generateKeyPairSync('ec', { namedCurve: kind }).privateKey;
    keyCache.set(id, key);
  }
  return key;
}

const SIGNATURE_NAMES: Record<KeyKind, RegExp> = {
  'P-256': /ecdsa-with-SHA256/,
  'P-384': /ecdsa-with-SHA384/,
  'P-521': /ecdsa-with-SHA512/,
  RSA: /sha256WithRSAEncryption/,
  'RSA-PSS': /rsassaPss/,
  Ed25519: /ED25519/,
};

/** openssl's own parser as a second opinion; the PEM goes in on stdin. */
function opensslText(der: Uint8Array): string {
  return execFileSync('/usr/bin/openssl', ['x509', '-noout', '-text'], { input: certificateToPem(der), timeout: 30_000, killSignal: 'SIGKILL' }).toString();
}

const notBefore = new Date('2025-03-01T12:00:00.750Z');
const notAfter = new Date('2030-03-01T12:00:00Z');
const kinds: KeyKind[] = ['P-256', 'P-384', 'P-521', 'RSA', 'RSA-PSS', 'Ed25519'];

describe('issueCertificate', () => {
  function selfSignedCa(kind: KeyKind, options: Partial<IssueCertificateOptions> = {}): Uint8Array {
    const key = privateKeyOf(kind);
    return issueCertificate({
      subject: [{ type: 'O', value: 'countersign tests' }, { type: 'CN', value: `${kind} CA` }],
      publicKey: key,
      issuer: { privateKey: key },
      notBefore,
      notAfter,
      isCA: true,
      ...options,
    });
  }

  it.each(kinds)('issues a self-signed %s CA that node:crypto and openssl read', (kind) => {
    const der = selfSignedCa(kind);
    const cert = parseCertificate(der);
    expect(cert.subject.map((a) => `${a.type}=${a.value}`)).toEqual(['O=countersign tests', `CN=${kind} CA`]);
    expect(cert.issuer).toEqual(cert.subject);
    expect(cert.isCA).toBe(true);
    expect(cert.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(cert.notBefore.toISOString()).toBe('2025-03-01T12:00:00.000Z'); // fractions dropped
    expect(cert.notAfter.toISOString()).toBe(notAfter.toISOString());
    expect(cert.isSignedBy(cert)).toBe(true);
    expect(cert.subjectKeyIdentifier).toHaveLength(20);
    expect(cert.serialNumber > 0n).toBe(true);
    const node = new X509Certificate(der);
    expect(node.ca).toBe(true);
    expect(node.verify(node.publicKey)).toBe(true);
    expect(node.checkIssued(node)).toBe(true);
    const text = opensslText(der);
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    expect(text).toMatch(SIGNATURE_NAMES[kind]);
  });

  it.each(kinds.flatMap((caKind) => kinds.map((leafKind) => [caKind, leafKind] as const)))(
    'a %s CA issues a %s leaf',
    (caKind, leafKind) => {
      const caDer = selfSignedCa(caKind);
      const leafKey = privateKeyOf(leafKind, 1);
      const der = issueCertificate({
        subject: [{ type: 'CN', value: `${leafKind} leaf` }],
        publicKey: leafKey,
        issuer: { privateKey: privateKeyOf(caKind), certificate: caDer },
        notBefore,
        notAfter,
        extendedKeyUsages: ['1.3.6.1.5.5.7.3.3'],
        serialNumber: 0x1234567890n,
      });
      const leaf = parseCertificate(der);
      const ca = parseCertificate(caDer);
      expect(leaf.isCA).toBe(false);
      expect(leaf.keyUsage).toEqual(['digitalSignature']);
      expect(leaf.extendedKeyUsages).toEqual(['1.3.6.1.5.5.7.3.3']);
      expect(leaf.serialNumber).toBe(0x1234567890n);
      expect(hex(leaf.issuerDer)).toBe(hex(ca.subjectDer));
      expect(hex(leaf.authorityKeyIdentifier ?? new Uint8Array())).toBe(hex(ca.subjectKeyIdentifier ?? new Uint8Array(1)));
      expect(leaf.isSignedBy(ca)).toBe(true);
      expect(leaf.publicKey.equals(createPublicKey(leafKey))).toBe(true);
      const node = new X509Certificate(der);
      expect(node.verify(new X509Certificate(caDer).publicKey)).toBe(true);
      expect(node.checkIssued(new X509Certificate(caDer))).toBe(true);
      expect(codeOf(() => validateChain([leaf, ca], new Date('2026-01-01T00:00:00Z')))).toBe('no error');
      const text = opensslText(der);
      expect(text).toMatch(/CA:FALSE/);
      expect(text).toMatch(/Digital Signature/);
      expect(text).toMatch(/Code Signing/);
      expect(text).toMatch(SIGNATURE_NAMES[caKind]);
    },
  );

  it('writes every subject attribute type and SAN form the way node:crypto reads them', () => {
    const key = privateKeyOf('P-256');
    const der = issueCertificate({
      subject: [
        { type: 'C', value: 'DE' },
        { type: 'ST', value: 'Baden-Württemberg' },
        { type: 'L', value: 'Stuttgart' },
        { type: 'STREET', value: 'Königstraße 1' },
        { type: 'O', value: 'Example, Inc.' },
        { type: 'OU', value: 'Release Engineering' },
        { type: 'CN', value: 'release:signer/1 %x' },
        { type: 'emailAddress', value: 'release@example.com' },
        { type: 'serialNumber', value: 'A-123' },
        { type: '1.3.6.1.4.1.99999.1', value: 'custom' },
      ],
      publicKey: key,
      issuer: { privateKey: key },
      notBefore,
      notAfter,
      subjectAltNames: [
        { type: 'email', value: 'bob@example.com' },
        { type: 'dns', value: 'example.com' },
        { type: 'uri', value: 'https://example.com/a?b=c' },
        { type: 'ip', value: '192.0.2.1' },
        { type: 'ip', value: '2001:db8::1' },
      ],
    });
    const cert = parseCertificate(der);
    expect(cert.subject.map((a) => a.type)).toEqual(['C', 'ST', 'L', 'STREET', 'O', 'OU', 'CN', 'emailAddress', 'serialNumber', '1.3.6.1.4.1.99999.1']);
    expect(cert.subject.find((a) => a.type === 'ST')?.value).toBe('Baden-Württemberg');
    expect(cert.subjectAltNames).toEqual([
      { type: 'email', value: 'bob@example.com' },
      { type: 'dns', value: 'example.com' },
      { type: 'uri', value: 'https://example.com/a?b=c' },
      { type: 'ip', value: '192.0.2.1' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
    const node = new X509Certificate(der);
    expect(node.subjectAltName).toBe('email:bob@example.com, DNS:example.com, URI:https://example.com/a?b=c, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1');
    expect(node.subject).toContain('CN=release:signer/1 %x');
    expect(opensslText(der)).toMatch(/emailAddress\s*=\s*release@example.com/);
  });

  it('uses GeneralizedTime after 2049 and UTCTime before', () => {
    const key = privateKeyOf('Ed25519');
    const der = issueCertificate({
      subject: [{ type: 'CN', value: 'long' }],
      publicKey: key,
      issuer: { privateKey: key },
      notBefore: new Date('1999-12-31T23:59:59Z'),
      notAfter: new Date('2099-12-31T23:59:59Z'),
    });
    const cert = parseCertificate(der);
    expect(cert.notBefore.toISOString()).toBe('1999-12-31T23:59:59.000Z');
    expect(cert.notAfter.toISOString()).toBe('2099-12-31T23:59:59.000Z');
    expect(new Date(new X509Certificate(der).validTo).toISOString()).toBe('2099-12-31T23:59:59.000Z');
    expect(hex(der)).toContain(hex(Buffer.from('991231235959Z')));
    expect(hex(der)).toContain(hex(Buffer.from('20991231235959Z')));
  });

  it('makes a positive random 16-byte serial by default', () => {
    const serials = new Set<bigint>();
    for (let i = 0; i < 8; i++) {
      const serial = parseCertificate(selfSignedCa('Ed25519')).serialNumber;
      expect(serial > 0n && serial < 2n ** 127n).toBe(true);
      serials.add(serial);
    }
    expect(serials.size).toBe(8);
  });

  it('refuses options it cannot honour', () => {
    const key = privateKeyOf('P-256');
    const other = privateKeyOf('P-256', 1);
    const base: IssueCertificateOptions = { subject: [{ type: 'CN', value: 'x' }], publicKey: key, issuer: { privateKey: key }, notBefore, notAfter };
    const leafDer = issueCertificate(base);
    const cases: Array<Partial<IssueCertificateOptions>> = [
      { issuer: { privateKey: other } }, // self-signed with someone else's key
      { issuer: { privateKey: key, certificate: leafDer } }, // issuer is not a CA
      { issuer: { privateKey: other, certificate: selfSignedCa('P-256') } }, // key does not match the CA
      { subject: [{ type: 'Nickname', value: 'x' }] },
      { subject: [{ type: 'C', value: 'Ireland' }] },
      { subject: [{ type: 'CN', value: '' }] },
      { subject: [] },
      { notAfter: new Date('2020-01-01T00:00:00Z') },
      { notBefore: new Date('nope') },
      { serialNumber: 0n },
      { serialNumber: -5n },
      { serialNumber: new Uint8Array(21).fill(1) },
      { pathLength: 1 },
      { extendedKeyUsages: ['code-signing'] },
      { subjectAltNames: [{ type: 'ip', value: '1.2.3' }] },
      { subjectAltNames: [{ type: 'ip', value: '1::2::3' }] },
      { subjectAltNames: [{ type: 'email', value: 'bób@example.com' }] },
      { extraExtensions: [{ oid: '2.5.29.19', critical: true, value: derSequence() }] },
    ];
    expect(cases.map((options) => codeOf(() => issueCertificate({ ...base, ...options })))).toEqual(cases.map(() => 'X509_INVALID_OPTIONS'));
    const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
    expect(codeOf(() => issueCertificate({ ...base, publicKey: secp256k1, issuer: { privateKey: secp256k1 } }))).toBe('X509_UNSUPPORTED_ALGORITHM');
  });

  it('writes extra extensions, and the chain validator refuses an unknown critical one', () => {
    const caKey = privateKeyOf('P-256');
    const caDer = selfSignedCa('P-256');
    const leafKey = privateKeyOf('P-256', 1);
    const make = (critical: boolean): Uint8Array =>
      issueCertificate({
        subject: [{ type: 'CN', value: 'extra' }],
        publicKey: leafKey,
        issuer: { privateKey: caKey, certificate: caDer },
        notBefore,
        notAfter,
        extraExtensions: [{ oid: '1.3.6.1.4.1.99999.7', critical, value: derSequence() }],
      });
    const ca = parseCertificate(caDer);
    expect(parseCertificate(make(false)).extension('1.3.6.1.4.1.99999.7')?.critical).toBe(false);
    expect(codeOf(() => validateChain([parseCertificate(make(false)), ca]))).toBe('no error');
    expect(codeOf(() => validateChain([parseCertificate(make(true)), ca]))).toBe('X509_CRITICAL_EXTENSION');
  });
});

// ---- chain validation ----------------------------------------------------------------------------

describe('validateChain', () => {
  const rootKey = privateKeyOf('P-384', 2);
  const midKey = privateKeyOf('P-256', 2);
  const leafKey = privateKeyOf('Ed25519', 2);
  const rootDer = issueCertificate({
    subject: [{ type: 'CN', value: 'Root' }],
    publicKey: rootKey,
    issuer: { privateKey: rootKey },
    notBefore,
    notAfter,
    isCA: true,
    pathLength: 0,
  });
  const midDer = issueCertificate({
    subject: [{ type: 'CN', value: 'Intermediate' }],
    publicKey: midKey,
    issuer: { privateKey: rootKey, certificate: rootDer },
    notBefore,
    notAfter,
    isCA: true,
  });
  const leafDer = issueCertificate({
    subject: [{ type: 'CN', value: 'Leaf' }],
    publicKey: leafKey,
    issuer: { privateKey: midKey, certificate: midDer },
    notBefore,
    notAfter: new Date('2027-01-01T00:00:00Z'),
  });
  const [root, mid, leaf] = [rootDer, midDer, leafDer].map(parseCertificate) as [Certificate, Certificate, Certificate];

  it('enforces the root pathLenConstraint', () => {
    expect(codeOf(() => validateChain([mid, root]))).toBe('no error');
    expect(codeOf(() => validateChain([leaf, mid]))).toBe('no error');
    expect(codeOf(() => validateChain([leaf, mid, root]))).toBe('X509_CA_CONSTRAINTS');
  });

  it('refuses an issuer that is not a CA even when name and key match', () => {
    // Same name and key as the intermediate, but basicConstraints cA is false.
    const fake = parseCertificate(
      issueCertificate({ subject: [{ type: 'CN', value: 'Intermediate' }], publicKey: midKey, issuer: { privateKey: midKey }, notBefore, notAfter }),
    );
    expect(codeOf(() => validateChain([leaf, fake]))).toBe('X509_CA_CONSTRAINTS');
  });

  it('checks validity at the given time, inclusive of both ends', () => {
    expect(codeOf(() => validateChain([leaf, mid], leaf.notAfter))).toBe('no error');
    expect(codeOf(() => validateChain([leaf, mid], leaf.notBefore))).toBe('no error');
    expect(codeOf(() => validateChain([leaf, mid], new Date(leaf.notAfter.getTime() + 1000)))).toBe('X509_NOT_VALID_AT_TIME');
    expect(codeOf(() => validateChain([leaf, mid], new Date(leaf.notBefore.getTime() - 1000)))).toBe('X509_NOT_VALID_AT_TIME');
  });

  it('refuses chains in the wrong order and over-long chains', () => {
    expect(codeOf(() => validateChain([mid, leaf]))).toBe('X509_CHAIN_BROKEN');
    expect(codeOf(() => validateChain([]))).toBe('X509_CHAIN_BROKEN');
    expect(codeOf(() => validateChain(Array<Certificate>(17).fill(root)))).toBe('X509_CHAIN_BROKEN');
  });
});

// ---- hostile input -------------------------------------------------------------------------------

describe('malformed certificates only ever raise X509Error', () => {
  const key = privateKeyOf('P-256');
  const caDer = issueCertificate({
    subject: [{ type: 'CN', value: 'fuzz CA' }],
    publicKey: key,
    issuer: { privateKey: key },
    notBefore,
    notAfter,
    isCA: true,
  });
  const leafDer = issueCertificate({
    subject: [{ type: 'CN', value: 'fuzz' }, { type: 'O', value: 'fuzzers' }],
    publicKey: privateKeyOf('P-256', 1),
    issuer: { privateKey: key, certificate: caDer },
    notBefore,
    notAfter,
    extendedKeyUsages: ['1.3.6.1.5.5.7.3.3'],
    subjectAltNames: [{ type: 'dns', value: 'fuzz.example' }, { type: 'ip', value: '::1' }],
  });
  const seeds = [leafDer, caDer, ...(haveVectors ? x5chainOf('manifest.spdx.json.sha384.digest.cose') : [])];

  /** Parses and exercises everything lazily computed; any non-X509Error escapes and fails the property. */
  function exercise(der: Uint8Array): void {
    try {
      const cert = parseCertificate(der);
      void cert.publicKey;
      cert.isSignedBy(cert);
      validateChain([cert, parseCertificate(caDer)], new Date());
    } catch (error) {
      if (!(error instanceof X509Error)) throw error;
    }
  }

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (data) => exercise(data)), { numRuns: 500 });
  });

  it('random bytes behind a plausible SEQUENCE header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (data) => exercise(Uint8Array.of(0x30, 0x82, data.length >> 8, data.length & 0xff, ...data))),
      { numRuns: 500 },
    );
  });

  it('certificates with bytes changed, removed or inserted', () => {
    const mutation = fc.record({
      seed: fc.nat({ max: seeds.length - 1 }),
      edits: fc.array(
        fc.record({ kind: fc.constantFrom('set', 'delete', 'insert', 'truncate'), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        const data = Array.from(seeds[seed] as Uint8Array);
        for (const { kind, at, value } of edits) {
          const i = at % Math.max(data.length, 1);
          if (kind === 'set') data[i] = value;
          else if (kind === 'delete') data.splice(i, 1);
          else if (kind === 'insert') data.splice(i, 0, value);
          else data.length = i;
        }
        exercise(Uint8Array.from(data));
      }),
      { numRuns: 1500 },
    );
  });

  it('a lone bit flip in a signed certificate never leaves it verifying', () => {
    const ca = parseCertificate(caDer);
    fc.assert(
      fc.property(fc.nat({ max: leafDer.length * 8 - 1 }), (bit) => {
        const data = Uint8Array.from(leafDer);
        data[bit >> 3] = (data[bit >> 3] as number) ^ (0x80 >> (bit & 7));
        try {
          const cert = parseCertificate(data);
          expect(cert.isSignedBy(ca)).toBe(false);
        } catch (error) {
          if (!(error instanceof X509Error)) throw error;
        }
      }),
      { numRuns: 400 },
    );
  });
});
