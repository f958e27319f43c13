import { generateKeyPairSync } from 'node:crypto';
import { addService, certificateToPem, emptyPolicy, issueCertificate, parsePolicy, publicJwkOf, serializePolicy, type PolicyError } from '../src/index.js';

const serviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = { keys: [publicJwkOf(serviceKey.publicKey)] };
const identity = certificateToPem(
  issueCertificate({
    subject: [{ type: 'CN', value: 'service identity' }],
    publicKey: serviceKey.publicKey,
    issuer: { privateKey: serviceKey.privateKey },
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    isCA: true,
  }),
);

const policyWith = (service: Record<string, unknown>): string => JSON.stringify({ ...emptyPolicy(), services: [{ iss: 'ledger.example', jwks, ...service }] });

function refusalCode(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    return (error as PolicyError).code;
  }
  throw new Error('expected a refusal');
}

describe('a service entry with its TLS service identity', () => {
  it('round-trips through the policy file', () => {
    const policy = addService(emptyPolicy(), { iss: 'ledger.example', jwks, url: 'https://ledger.example', serviceIdentity: identity });
    const [service] = parsePolicy(serializePolicy(policy)).services;
    expect(service).toMatchObject({ url: 'https://ledger.example', serviceIdentity: identity });
  });

  it('is optional: entries written before it still load as they were', () => {
    expect(parsePolicy(policyWith({})).services[0]).toEqual({ iss: 'ledger.example', jwks });
  });

  it('refuses an identity that is not a certificate, one without its URL, and a URL that is not http(s)', () => {
    expect(refusalCode(() => parsePolicy(policyWith({ url: 'https://ledger.example', serviceIdentity: 'not a certificate' })))).toBe('POLICY_MALFORMED');
    expect(refusalCode(() => parsePolicy(policyWith({ serviceIdentity: identity })))).toBe('POLICY_MALFORMED');
    expect(refusalCode(() => parsePolicy(policyWith({ url: 'file:///etc/passwd' })))).toBe('POLICY_MALFORMED');
    expect(refusalCode(() => addService(emptyPolicy(), { iss: 'ledger.example', jwks, url: 'https://ledger.example', serviceIdentity: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }))).toBe('POLICY_MALFORMED');
  });
});
