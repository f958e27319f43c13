import { createHash, randomUUID } from 'node:crypto';
import { issueCertificate, type NameAttributeInput } from '@countersign/core';
import { badParameter, certificateNotFound, VaultAnswerError } from './answers.js';
import { unknownRoute } from './keys-api.js';
import { now, type CertificateVersion, type EmulatedKeyType, type VaultState } from './vault-state.js';
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

function completedOperation(baseUrl: string, name: string): Record<string, unknown> {
  return {
    id: `${baseUrl}/certificates/${name}/pending`,
    issuer: { name: 'Self' },
    cancellation_requested: false,
    status: 'completed',
    target: `${baseUrl}/certificates/${name}`,
    request_id: randomUUID().replaceAll('-', ''),
  };
}

/**
 * Creates a self-issued certificate the way Key Vault does: a new version of the key of the same name
 * (managed by the certificate) and a certificate for it whose version is the key's. The emulator
 * issues at once, so the pending operation is already complete when the SDK first polls it.
 */
function createCertificate(state: VaultState, name: string, request: VaultRequest): VaultReply {
  if (!CERTIFICATE_NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
  const policy = objectBody(objectBody(request.body).policy);
  const issuerName = objectBody(policy.issuer).name ?? 'Self';
  if (issuerName !== 'Self') throw badParameter(`The emulator issues only self-signed certificates (issuer "Self"), not "${String(issuerName)}".`);
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
    policy: { ...policy, issuer: { name: 'Self' } },
    notBefore: Math.floor(notBefore.getTime() / 1000),
    expires: Math.floor(notAfter.getTime() / 1000),
    created: now(),
  });
  const { target: _target, ...completed } = completedOperation(request.baseUrl, key.name);
  const operation = { ...completed, status: 'inProgress', status_details: 'Pending certificate created. Certificate request is in progress.' };
  return {
    status: 202,
    body: operation,
    headers: { Location: `${request.baseUrl}/certificates/${key.name}/pending?api-version=${request.apiVersion}&request_id=${String(completed.request_id)}` },
  };
}

/** /certificates/{name}/create, /pending and the certificate itself (latest or by version). */
export function handleCertificates(state: VaultState, request: VaultRequest): VaultReply {
  const [, name, third, ...rest] = request.segments;
  if (name === undefined || name === '' || rest.length > 0) throw unknownRoute(request);
  if (request.method === 'POST' && third === 'create') return createCertificate(state, name, request);
  if (request.method !== 'GET') throw unknownRoute(request);
  if (third === 'pending') {
    const latest = state.certificateVersion(name, undefined);
    if (!latest) throw new VaultAnswerError(404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
    return ok(completedOperation(request.baseUrl, latest.name));
  }
  const certificate = state.certificateVersion(name, third);
  if (!certificate) throw certificateNotFound(third ? `${name}/${third}` : name);
  return ok(certificateBundle(request.baseUrl, certificate));
}
