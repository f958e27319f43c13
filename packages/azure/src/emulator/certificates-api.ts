import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { issueCertificate, parseCertificate, type NameAttributeInput } from '@countersign/core';
import { badParameter, certificateNotFound, VaultAnswerError } from './answers.js';
import { certificationRequest } from './certificate-request.js';
import { unknownRoute } from './keys-api.js';
import { now, type CertificateVersion, type EmulatedKeyType, type PendingCertificate, type VaultState } from './vault-state.js';
import { objectBody, ok, type VaultReply, type VaultRequest } from './vault-request.js';

const CERTIFICATE_NAME = /^[0-9A-Za-z-]{1,127}$/;
const KEY_USAGES = new Set(['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign']);

/** "CN=Release Signing, O=Example" as Key Vault policies write subjects. */
function subjectOf(text: unknown): NameAttributeInput[] {
  if (typeof text !== 'string' || text.trim() === '') throw badParameter('Property x509_props.subject is required.');
  return text.split(',').map((part) => {
    const at = part.indexOf('=');
    if (at < 1) throw badParameter(`Property x509_props.subject has invalid value: ${text}`);
    return { type: part.slice(0, at).trim(), value: part.slice(at + 1).trim() };
  });
}

function certificateBundle(baseUrl: string, certificate: CertificateVersion): Record<string, unknown> {
  return {
    id: `${baseUrl}/certificates/${certificate.name}/${certificate.version}`,
    kid: `${baseUrl}/keys/${certificate.name}/${certificate.version}`,
    sid: `${baseUrl}/secrets/${certificate.name}/${certificate.version}`,
    x5t: createHash('sha1').update(certificate.der).digest('base64url'),
    cer: Buffer.from(certificate.der).toString('base64'),
    attributes: {
      enabled: true,
      nbf: certificate.notBefore,
      exp: certificate.expires,
      created: certificate.created,
      updated: certificate.created,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    },
    policy: { id: `${baseUrl}/certificates/${certificate.name}/policy`, ...objectBody(certificate.policy) },
  };
}

/** The pending object Key Vault keeps per certificate: what create answers and GET /pending shows. */
function operationBody(baseUrl: string, pending: PendingCertificate): Record<string, unknown> {
  return {
    id: `${baseUrl}/certificates/${pending.name}/pending`,
    issuer: { name: pending.issuerName },
    csr: Buffer.from(pending.csr).toString('base64'),
    cancellation_requested: false,
    status: pending.status,
    ...(pending.status === 'completed'
      ? { target: `${baseUrl}/certificates/${pending.name}` }
      : { status_details: pending.issuerName === 'Unknown' ? 'Pending certificate created. Please Perform Merge to complete the request.' : 'Pending certificate created. Certificate request is in progress.' }),
    request_id: pending.requestId,
  };
}

/** A certificate still waiting for its merge: Key Vault shows it disabled and without a certificate. */
function pendingBundle(baseUrl: string, pending: PendingCertificate): Record<string, unknown> {
  return {
    id: `${baseUrl}/certificates/${pending.name}/${pending.key.version}`,
    kid: `${baseUrl}/keys/${pending.name}/${pending.key.version}`,
    sid: `${baseUrl}/secrets/${pending.name}/${pending.key.version}`,
    attributes: { enabled: false, created: pending.created, updated: pending.created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
    policy: { id: `${baseUrl}/certificates/${pending.name}/policy`, ...pending.policy },
  };
}

/**
 * Creates a certificate the way Key Vault does: a new version of the key of the same name (managed by
 * the certificate) and a certification request for it. Issuer "Self" is issued at once, so the pending
 * object is already complete when the SDK first polls it; issuer "Unknown" stays in progress until the
 * user merges the certificate their own CA issued for the request.
 */
function createCertificate(state: VaultState, name: string, request: VaultRequest): VaultReply {
  if (!CERTIFICATE_NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
  if (state.pendingCertificate(name)?.status === 'inProgress') {
    throw new VaultAnswerError(409, 'Forbidden', "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.");
  }
  const policy = objectBody(objectBody(request.body).policy);
  const issuerName = objectBody(policy.issuer).name ?? 'Self';
  if (issuerName !== 'Self' && issuerName !== 'Unknown') {
    throw badParameter(`The emulator issues self-signed certificates (issuer "Self") and requests for your own CA (issuer "Unknown"), not "${String(issuerName)}".`);
  }
  const keyProps = objectBody(policy.key_props);
  const x509 = objectBody(policy.x509_props);
  const kty = (typeof keyProps.kty === 'string' ? keyProps.kty : 'RSA') as EmulatedKeyType;
  if (!['EC', 'EC-HSM', 'RSA', 'RSA-HSM'].includes(kty)) throw badParameter(`Property key_props.kty has invalid value: ${kty}`);
  const subject = subjectOf(x509.subject);
  const usages = Array.isArray(x509.key_usage) ? (x509.key_usage as unknown[]) : ['digitalSignature'];
  if (!usages.every((usage) => typeof usage === 'string' && KEY_USAGES.has(usage))) throw badParameter('Property x509_props.key_usage has invalid value.');
  const ekus = Array.isArray(x509.ekus) ? (x509.ekus as string[]) : undefined;
  const months = typeof x509.validity_months === 'number' && x509.validity_months > 0 ? x509.validity_months : 12;

  const key = state.createKey(name, kty.startsWith('EC') ? { kty, crv: typeof keyProps.crv === 'string' ? keyProps.crv : 'P-256' } : { kty, keySize: typeof keyProps.key_size === 'number' ? keyProps.key_size : 2048 }, { managed: true });
  const pending: PendingCertificate = {
    name: key.name,
    requestId: randomUUID().replaceAll('-', ''),
    issuerName,
    key,
    csr: certificationRequest(subject, key.privateKey, key.crv),
    policy: { ...policy, issuer: { name: issuerName } },
    validityMonths: months,
    status: issuerName === 'Self' ? 'completed' : 'inProgress',
    created: now(),
  };
  if (issuerName === 'Self') {
    const notBefore = new Date((now() - 60) * 1000);
    const notAfter = new Date(notBefore.getTime() + months * 30 * 24 * 3600 * 1000);
    let der: Uint8Array;
    try {
      der = issueCertificate({
        subject,
        publicKey: key.privateKey,
        issuer: { privateKey: key.privateKey },
        notBefore,
        notAfter,
        keyUsage: usages as never,
        ...(ekus ? { extendedKeyUsages: ekus } : {}),
      });
    } catch (error) {
      throw badParameter(`The certificate policy cannot be issued: ${error instanceof Error ? error.message : String(error)}`);
    }
    state.addCertificate({
      name: key.name,
      version: key.version,
      der,
      policy: pending.policy,
      notBefore: Math.floor(notBefore.getTime() / 1000),
      expires: Math.floor(notAfter.getTime() / 1000),
      created: now(),
    });
  }
  state.setPendingCertificate(pending);
  // Create answers "in progress" even for Self: the SDK learns of completion by polling, as with the service.
  const { target: _target, ...operation } = operationBody(request.baseUrl, { ...pending, status: 'inProgress' });
  return {
    status: 202,
    body: operation,
    headers: { Location: `${request.baseUrl}/certificates/${key.name}/pending?api-version=${request.apiVersion}&request_id=${pending.requestId}` },
  };
}

/** x5c entries are base64 DER; the SDK's own sample sends base64 of PEM-body text, which the service also takes. */
function mergedCertificate(entry: unknown): Uint8Array {
  if (typeof entry !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(entry)) throw badParameter('Property x5c has invalid value.');
  let bytes = Buffer.from(entry, 'base64');
  if (bytes[0] !== 0x30) {
    const text = bytes.toString('latin1').replace(/-----(BEGIN|END) CERTIFICATE-----/g, '');
    if (!/^[A-Za-z0-9+/=\s]+$/.test(text)) throw badParameter('Property x5c has invalid value.');
    bytes = Buffer.from(text, 'base64');
  }
  try {
    return parseCertificate(new Uint8Array(bytes)).der;
  } catch {
    throw badParameter('Property x5c holds something that is not an X.509 certificate.');
  }
}

/** Completes an "Unknown"-issuer certificate with the certificate (and chain) the user's CA issued for its request. */
function mergeCertificate(state: VaultState, name: string, request: VaultRequest): VaultReply {
  const pending = state.pendingCertificate(name);
  if (!pending || pending.status !== 'inProgress') throw new VaultAnswerError(404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
  if (pending.issuerName !== 'Unknown') {
    throw new VaultAnswerError(403, 'Forbidden', `Merge is forbidden on pending object created with issuer : ${pending.issuerName} while it is in progress.`);
  }
  const x5c = objectBody(request.body).x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) throw badParameter('Property x5c is required.');
  const chain = x5c.map(mergedCertificate);
  const leaf = parseCertificate(chain[0] as Uint8Array);
  const keyInfo = createPublicKey(pending.key.privateKey).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(leaf.subjectPublicKeyInfo).equals(keyInfo)) {
    throw badParameter("Public key from x5c does not match the public key of the pending certificate's request.");
  }
  const certificate: CertificateVersion = {
    name: pending.name,
    version: pending.key.version,
    der: leaf.der,
    policy: pending.policy,
    notBefore: Math.floor(leaf.notBefore.getTime() / 1000),
    expires: Math.floor(leaf.notAfter.getTime() / 1000),
    created: now(),
  };
  state.addCertificate(certificate);
  pending.status = 'completed';
  return {
    status: 201,
    body: certificateBundle(request.baseUrl, certificate),
    headers: { Location: `${request.baseUrl}/certificates/${pending.name}?api-version=${request.apiVersion}` },
  };
}

/** /certificates/{name}/create, /pending, /pending/merge and the certificate itself (latest or by version). */
export function handleCertificates(state: VaultState, request: VaultRequest): VaultReply {
  const [, name, third, fourth, ...rest] = request.segments;
  if (name === undefined || name === '' || rest.length > 0) throw unknownRoute(request);
  if (fourth !== undefined) {
    if (request.method === 'POST' && third === 'pending' && fourth === 'merge') return mergeCertificate(state, name, request);
    throw unknownRoute(request);
  }
  if (request.method === 'POST' && third === 'create') return createCertificate(state, name, request);
  if (request.method !== 'GET') throw unknownRoute(request);
  if (third === 'pending') {
    const pending = state.pendingCertificate(name);
    if (!pending) throw new VaultAnswerError(404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
    return ok(operationBody(request.baseUrl, pending));
  }
  const certificate = state.certificateVersion(name, third);
  if (certificate) return ok(certificateBundle(request.baseUrl, certificate));
  const pending = state.pendingCertificate(name);
  if (pending && pending.status === 'inProgress' && (!third || third.toLowerCase() === pending.key.version)) return ok(pendingBundle(request.baseUrl, pending));
  throw certificateNotFound(third ? `${name}/${third}` : name);
}
