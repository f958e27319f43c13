import { generateKeyPairSync } from 'node:crypto';
import { certificateToPem, EKU, issueCertificate } from '@countersign/core';

export interface TlsIdentity {
  /** The CA a client must trust for this emulator (PEM); it signs nothing but the server certificate. */
  readonly caPem: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/**
 * A fresh CA and a server certificate it issued for 127.0.0.1 and localhost, valid for a day. Made
 * anew on every start and never written with its CA key, so trusting it trusts this run only.
 */
export function createTlsIdentity(now = new Date()): TlsIdentity {
  const notBefore = new Date(now.getTime() - 5 * 60 * 1000);
  const notAfter = new Date(now.getTime() + 24 * 3600 * 1000);
  const caKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const ca = issueCertificate({
    subject: [{ type: 'CN', value: 'countersign Key Vault emulator CA' }],
    publicKey: caKey,
    issuer: { privateKey: caKey },
    notBefore,
    notAfter,
    isCA: true,
    pathLength: 0,
  });
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const server = issueCertificate({
    subject: [{ type: 'CN', value: 'localhost' }],
    publicKey: serverKey,
    issuer: { privateKey: caKey, certificate: ca },
    notBefore,
    notAfter,
    extendedKeyUsages: [EKU.serverAuth],
    subjectAltNames: [
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ],
  });
  return {
    caPem: certificateToPem(ca),
    certificatePem: certificateToPem(server),
    privateKeyPem: serverKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
