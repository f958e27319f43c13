import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { issueCertificate, parseCertificate, type NameAttributeInput } from '@countersign/core';

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const der = (tag: number, contents: Uint8Array): Buffer => Buffer.concat([Buffer.from([tag]), derLength(contents.length), contents]);
const sequence = (...items: Uint8Array[]): Buffer => der(0x30, Buffer.concat(items));

/** AlgorithmIdentifier DER per key: ECDSA with the curve's hash (no parameters), RSA PKCS#1 v1.5 with SHA-256 (NULL parameters). */
const SIGNATURE_ALGORITHMS: Record<string, { identifier: string; hash: string }> = {
  'P-256': { identifier: '300a06082a8648ce3d040302', hash: 'sha256' },
  'P-384': { identifier: '300a06082a8648ce3d040303', hash: 'sha384' },
  'P-521': { identifier: '300a06082a8648ce3d040304', hash: 'sha512' },
  'P-256K': { identifier: '300a06082a8648ce3d040302', hash: 'sha256' },
  RSA: { identifier: '300d06092a864886f70d01010b0500', hash: 'sha256' },
};

/**
 * A PKCS#10 certification request (RFC 2986) for a vault key, signed by that key, as Key Vault hands
 * out for a certificate whose issuer is "Unknown": the CA the user takes it to sees the subject and
 * the key, and proof that the vault holds the private half.
 */
export function certificationRequest(subject: readonly NameAttributeInput[], privateKey: KeyObject, curve: string | undefined): Uint8Array {
  // Core writes X.509 Names only inside certificates, so the request takes the subject's encoding from
  // a throwaway certificate for the same subject rather than keeping a second Name encoder.
  const now = new Date();
  const subjectDer = parseCertificate(issueCertificate({ subject, publicKey: privateKey, issuer: { privateKey }, notBefore: now, notAfter: new Date(now.getTime() + 60_000) })).subjectDer;
  const subjectPublicKeyInfo = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const version = Buffer.from([0x02, 0x01, 0x00]);
  const noAttributes = Buffer.from([0xa0, 0x00]);
  const info = sequence(version, subjectDer, subjectPublicKeyInfo, noAttributes);
  const algorithm = SIGNATURE_ALGORITHMS[curve ?? 'RSA'];
  if (!algorithm) throw new Error(`no certification request signature for curve ${curve}`);
  const signature = sign(algorithm.hash, info, privateKey);
  return new Uint8Array(sequence(info, Buffer.from(algorithm.identifier, 'hex'), der(0x03, Buffer.concat([Buffer.from([0x00]), signature]))));
}
