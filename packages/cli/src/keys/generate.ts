import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { algorithmByName, certificateToPem, issueDevChain, keyIdOf, type SignatureAlgorithm } from '@countersign/core';
import { writeOutput } from '@countersign/steps';

export function generatePrivateKey(algorithm: SignatureAlgorithm): KeyObject {
  switch (algorithm.family) {
    case 'ecdsa':
      return generateKeyPairSync('ec', { namedCurve: algorithm.curve as string }).privateKey;
    case 'rsa-pss':
      return generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
    case 'eddsa':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

/**
 * A certificate chain for a local key, valid for a year, fit for code signing: the leaf for the key
 * and a throwaway CA that signed it (did:x509 must pin a CA other than the leaf, so a lone
 * self-signed certificate could not name its issuer). The CA's private key is discarded.
 */
export function selfCertifiedChain(privateKey: KeyObject, commonName: string, now = new Date()): Uint8Array[] {
  const { chain } = issueDevChain({
    subject: [{ type: 'CN', value: commonName }],
    publicKey: createPublicKey(privateKey),
    notBefore: new Date(now.getTime() - 60 * 1000),
    notAfter: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
  });
  return chain;
}

/** `k.pem` -> `k.pub.pem` and `k.crt.pem`; names without .pem get the suffixes appended. */
export function companionPaths(privateKeyPath: string): { publicKey: string; certificate: string } {
  const stem = privateKeyPath.endsWith('.pem') ? privateKeyPath.slice(0, -4) : privateKeyPath;
  return { publicKey: `${stem}.pub.pem`, certificate: `${stem}.crt.pem` };
}

export interface KeyFiles {
  keyId: string;
  algorithm: string;
  privateKey: string;
  publicKey: string;
  certificate?: string;
}

/** Generates a key and writes it (private part mode 0600, never over an existing file unless forced). */
export async function writeNewKey(options: { algorithm?: string; out: string; certificateCommonName?: string; force?: boolean }): Promise<KeyFiles> {
  const algorithm = algorithmByName(options.algorithm ?? 'ES256');
  const privateKey = generatePrivateKey(algorithm);
  const paths = companionPaths(options.out);
  const exclusive = !options.force;
  await writeOutput(options.out, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, exclusive });
  await writeOutput(paths.publicKey, createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string, { exclusive });
  const files: KeyFiles = { keyId: keyIdOf(privateKey), algorithm: algorithm.name, privateKey: options.out, publicKey: paths.publicKey };
  if (options.certificateCommonName) {
    await writeOutput(paths.certificate, selfCertifiedChain(privateKey, options.certificateCommonName).map(certificateToPem).join(''), { exclusive });
    files.certificate = paths.certificate;
  }
  return files;
}
