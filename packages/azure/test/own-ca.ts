import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CertificateClient } from '@azure/keyvault-certificates';
import { KeyClient } from '@azure/keyvault-keys';
import { certificateToPem, EKU, issueCertificate } from '@countersign/core';

export interface OwnCa {
  readonly caPrivateKey: KeyObject;
  readonly caCertificate: Uint8Array;
  readonly caPem: string;
}

export function createOwnCa(name = 'Release CA'): OwnCa {
  const caPrivateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const now = Date.now();
  const caCertificate = issueCertificate({
    subject: [{ type: 'CN', value: name }],
    publicKey: caPrivateKey,
    issuer: { privateKey: caPrivateKey },
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 30 * 24 * 3600_000),
    isCA: true,
    pathLength: 0,
  });
  return { caPrivateKey, caCertificate, caPem: certificateToPem(caCertificate) };
}

/** A code-signing leaf the CA issues for `publicKey`, as the user's CA would for a Key Vault request. */
export function issueLeaf(ca: OwnCa, commonName: string, publicKey: KeyObject): Uint8Array {
  const now = Date.now();
  return issueCertificate({
    subject: [{ type: 'CN', value: commonName }],
    publicKey,
    issuer: { privateKey: ca.caPrivateKey, certificate: ca.caCertificate },
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 7 * 24 * 3600_000),
    extendedKeyUsages: [EKU.codeSigning],
  });
}

export async function vaultPublicKey(keys: KeyClient, name: string): Promise<KeyObject> {
  const key = (await keys.getKey(name)).key;
  const b64 = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('base64url');
  return key?.kty?.startsWith('EC')
    ? createPublicKey({ key: { kty: 'EC', crv: key.crv, x: b64(key.x), y: b64(key.y) }, format: 'jwk' })
    : createPublicKey({ key: { kty: 'RSA', n: b64(key?.n), e: b64(key?.e) }, format: 'jwk' });
}

/** Starts a certificate whose issuer is "Unknown" (Key Vault makes the key and a request for it) and returns the request. */
export async function requestCertificate(certificates: CertificateClient, name: string, commonName: string, curve: 'P-256' | 'P-384' | 'P-521' = 'P-256'): Promise<Uint8Array> {
  const poller = await certificates.beginCreateCertificate(name, { issuerName: 'Unknown', subject: `CN=${commonName}`, keyType: 'EC', keyCurveName: curve });
  const operation = await certificates.getCertificateOperation(name);
  poller.stopPolling();
  return operation.getOperationState().certificateOperation?.csr ?? new Uint8Array();
}
