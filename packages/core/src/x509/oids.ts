/** Object identifiers this module reads or writes, named as RFC 5280, RFC 4519 and PKCS #9 name them. */

/** Name attribute types by their usual short name (RFC 4514 section 3 where it has one). */
export const ATTRIBUTE_OIDS = Object.freeze({
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  title: '2.5.4.12',
  businessCategory: '2.5.4.15',
  postalCode: '2.5.4.17',
  GN: '2.5.4.42',
  initials: '2.5.4.43',
  generationQualifier: '2.5.4.44',
  dnQualifier: '2.5.4.46',
  pseudonym: '2.5.4.65',
  organizationIdentifier: '2.5.4.97',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  emailAddress: '1.2.840.113549.1.9.1',
} as const);

const ATTRIBUTE_NAMES: ReadonlyMap<string, string> = new Map(Object.entries(ATTRIBUTE_OIDS).map(([name, oid]) => [oid, name]));

/** The short name of an attribute type, or its dotted OID when it has none here. */
export function attributeName(oid: string): string {
  return ATTRIBUTE_NAMES.get(oid) ?? oid;
}

/** The OID for a short name or a dotted OID; undefined when the name is unknown. */
export function attributeOid(type: string): string | undefined {
  if (/^[0-2](\.(0|[1-9][0-9]*))+$/.test(type)) return type;
  return Object.hasOwn(ATTRIBUTE_OIDS, type) ? (ATTRIBUTE_OIDS as Readonly<Record<string, string>>)[type] : undefined;
}

export const EXTENSION = Object.freeze({
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  /** Sigstore Fulcio's OIDC issuer (v1): the extension value is the raw UTF-8 URL, not DER. */
  fulcioIssuer: '1.3.6.1.4.1.57264.1.1',
});

export const ALGORITHM = Object.freeze({
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  mgf1: '1.2.840.113549.1.1.8',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
});

/** Extended key usages callers commonly ask for. */
export const EKU = Object.freeze({
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
});
