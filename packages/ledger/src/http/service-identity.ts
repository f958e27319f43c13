import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { certificateToPem, EKU, issueCertificate, onFirstUse, type SubjectAltName } from '@countersign/core';

const net = onFirstUse<typeof import('node:net')>('node:net');

/**
 * The embedded ledger's TLS set-up as CCF has it: a long-lived service identity (a self-signed CA
 * that clients pin) and node certificates that identity issues. A client that trusts the identity
 * keeps trusting the server across restarts, whatever node certificate it presents.
 */
export interface ServiceIdentity {
  /** Absolute path of the identity certificate (PEM), the file clients are given. */
  certificatePath: string;
  certificatePem: string;
  privateKey: KeyObject;
}

export interface NodeCertificate {
  key: string;
  cert: string;
}

const IDENTITY_YEARS = 10;
const NODE_DAYS = 365;

/** Where a ledger's identity lives: beside the ledger directory, like its service key. */
export function serviceIdentityPaths(ledgerDir: string): { certificate: string; key: string } {
  const stem = join(dirname(resolve(ledgerDir)), `${basename(ledgerDir)}-service-identity`);
  return { certificate: `${stem}.pem`, key: `${stem}-key.pem` };
}

/**
 * Reads the ledger's service identity, or creates it (P-384, as CCF uses) on first use. The key is
 * written first, so a start interrupted in between finds the key and issues the certificate again.
 */
export async function loadOrCreateServiceIdentity(ledgerDir: string, now = new Date()): Promise<ServiceIdentity> {
  const paths = serviceIdentityPaths(ledgerDir);
  let privateKey: KeyObject;
  const keyPem = await readIfThere(paths.key);
  if (keyPem === undefined) {
    privateKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    await writeExclusive(paths.key, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  } else {
    privateKey = createPrivateKey(keyPem);
  }
  let certificatePem = await readIfThere(paths.certificate);
  if (certificatePem === undefined) {
    certificatePem = certificateToPem(
      issueCertificate({
        subject: [{ type: 'CN', value: 'countersign ledger service identity' }],
        publicKey: privateKey,
        issuer: { privateKey },
        notBefore: new Date(now.getTime() - 60 * 60 * 1000),
        notAfter: new Date(now.getTime() + IDENTITY_YEARS * 365 * 24 * 60 * 60 * 1000),
        isCA: true,
        pathLength: 0,
      }),
    );
    await writeExclusive(paths.certificate, certificatePem, 0o644);
  }
  new X509Certificate(certificatePem); // a damaged file fails here, not at the first handshake
  return { certificatePath: paths.certificate, certificatePem, privateKey };
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A fresh node key and certificate for the names clients reach this server by, issued by the identity. */
export function issueNodeCertificate(identity: ServiceIdentity, hostNames: readonly string[], now = new Date()): NodeCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const names = [...new Set(hostNames.map((name) => name.replace(/^\[|\]$/g, '')).filter((name) => name !== '' && name !== '0.0.0.0' && name !== '::'))];
  const subjectAltNames: SubjectAltName[] = names.map((name) => (net().isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name }));
  const der = issueCertificate({
    subject: [{ type: 'CN', value: names[0] ?? 'localhost' }],
    publicKey,
    issuer: { privateKey: identity.privateKey, certificate: new Uint8Array(new X509Certificate(identity.certificatePem).raw) },
    notBefore: new Date(now.getTime() - 60 * 60 * 1000),
    notAfter: new Date(now.getTime() + NODE_DAYS * 24 * 60 * 60 * 1000),
    extendedKeyUsages: [EKU.serverAuth],
    subjectAltNames,
  });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: certificateToPem(der) };
}

async function writeExclusive(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
