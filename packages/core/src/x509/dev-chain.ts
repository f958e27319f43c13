import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { deriveDidX509 } from './did-x509.js';
import type { SubjectAltName } from './extensions.js';
import { issueCertificate } from './issue-certificate.js';
import type { NameAttributeInput } from './name.js';
import { EKU } from './oids.js';

export interface DevChainOptions {
  /** The leaf's subject; its CN also names the CA ("<CN> dev CA") unless caSubject is given. */
  readonly subject: readonly NameAttributeInput[];
  /** The signing key the leaf certifies (a Key Vault key's public half, or a local key). */
  readonly publicKey: KeyObject;
  /** Validity of both certificates; the caller's clock decides, so core stays free of ambient time. */
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly caSubject?: readonly NameAttributeInput[];
  /** The CA's key; a fresh P-256 key when absent. */
  readonly caPrivateKey?: KeyObject;
  /** Defaults to code signing. */
  readonly extendedKeyUsages?: readonly string[];
  readonly subjectAltNames?: readonly SubjectAltName[];
}

export interface DevChain {
  /** Leaf first, then the CA: the order of an x5chain header. */
  readonly chain: [leaf: Uint8Array, ca: Uint8Array];
  readonly caCertificate: Uint8Array;
  readonly caPrivateKey: KeyObject;
  /** The chain's default did:x509 (CA pinned by SHA-256, the leaf's whole subject). */
  readonly did: string;
}

/**
 * A CA and a leaf for local and test use. did:x509 cannot name a lone self-signed certificate (the
 * fingerprint must be a CA's other than the leaf, and resolvers refuse chains shorter than two), so a
 * "self-signed" signer is given a throwaway CA instead.
 */
export function issueDevChain(options: DevChainOptions): DevChain {
  const caPrivateKey = options.caPrivateKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const leafCn = options.subject.find((a) => a.type === 'CN' || a.type === '2.5.4.3')?.value ?? 'countersign';
  const caSubject = options.caSubject ?? [{ type: 'CN', value: `${leafCn} dev CA` }];
  const caCertificate = issueCertificate({
    subject: caSubject,
    publicKey: caPrivateKey,
    issuer: { privateKey: caPrivateKey },
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    isCA: true,
    pathLength: 0,
  });
  const leaf = issueCertificate({
    subject: options.subject,
    publicKey: options.publicKey,
    issuer: { privateKey: caPrivateKey, certificate: caCertificate },
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    extendedKeyUsages: options.extendedKeyUsages ?? [EKU.codeSigning],
    subjectAltNames: options.subjectAltNames,
  });
  const chain: [Uint8Array, Uint8Array] = [leaf, caCertificate];
  return { chain, caCertificate, caPrivateKey, did: deriveDidX509(chain) };
}
