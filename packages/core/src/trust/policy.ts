import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { keyIdOf, publicJwkOf, unusableKeyReason } from '../cose/keys.js';
import { isCertificatePem } from '../x509/pem.js';
import { PolicyError } from './errors.js';

export const POLICY_VERSION = 1;

/** A public key an issuer signs with, and when it may be used (rotate-key maintains the window). */
export interface TrustedKey {
  /** The key id statements name; defaults to countersign's hex SPKI SHA-256. */
  kid: string;
  jwk: JsonWebKey;
  /** ISO 8601 times; absent means unbounded on that side. */
  notBefore?: string;
  notAfter?: string;
}

export interface IssuerRule {
  /** The CWT iss a statement must carry: exact text, or a did:x509 resolved against the statement's x5chain. */
  iss: string;
  /** Glob patterns (`*`, `?`) the CWT sub must match; absent means any subject. */
  subjects?: string[];
  /** Keys for issuers that are not did:x509. */
  keys?: TrustedKey[];
}

/** A transparency service whose receipts count (filled by `trust add-service` in a later issue). */
export interface ServiceRule {
  iss: string;
  jwks: { keys: JsonWebKey[] };
  jwksUri?: string;
  /**
   * Let verification fetch keys this policy does not pin, and only from `jwksUri` (key rotation at the
   * service). Off by default: verification is offline.
   */
  fetchKeys?: boolean;
  /** The service's base URL, as `trust add-service --url` was given it; names the service for `serviceIdentity`. */
  url?: string;
  /**
   * The TLS identity (PEM certificate) the service presents at `url` instead of a public CA's, as CCF
   * services such as Microsoft Signing Transparency do. Stored so later runs pin it without a fetch.
   */
  serviceIdentity?: string;
}

export interface ReceiptRules {
  /** Receipts that must verify for a statement to pass. */
  minimum: number;
  /** Every receipt from a listed service must verify, not just `minimum` of them. */
  requireAllListed: boolean;
  /** Receipts from services not in the policy are ignored instead of failing the statement. */
  ignoreUnlisted: boolean;
}

export interface TrustPolicy {
  version: typeof POLICY_VERSION;
  issuers: IssuerRule[];
  services: ServiceRule[];
  receipts: ReceiptRules;
}

export function emptyPolicy(): TrustPolicy {
  return { version: POLICY_VERSION, issuers: [], services: [], receipts: { minimum: 1, requireAllListed: true, ignoreUnlisted: false } };
}

function fail(reason: string): never {
  throw new PolicyError('POLICY_MALFORMED', `trust policy: ${reason}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalTime(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) fail(`${where} must be an ISO 8601 time`);
  return value;
}

function readKey(value: unknown, where: string): TrustedKey {
  if (!isObject(value) || !isObject(value.jwk)) fail(`${where} needs a jwk object`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: value.jwk as JsonWebKey, format: 'jwk' });
  } catch {
    fail(`${where}.jwk is not a usable public key`);
  }
  const unusable = unusableKeyReason(key, (value.jwk as JsonWebKey).alg);
  if (unusable) fail(`${where}.jwk cannot verify statements: ${unusable}`);
  if (value.kid !== undefined && typeof value.kid !== 'string') fail(`${where}.kid must be text`);
  return {
    kid: (value.kid as string | undefined) ?? keyIdOf(key),
    jwk: value.jwk as JsonWebKey,
    notBefore: optionalTime(value.notBefore, `${where}.notBefore`),
    notAfter: optionalTime(value.notAfter, `${where}.notAfter`),
  };
}

function readIssuer(value: unknown, index: number): IssuerRule {
  const where = `issuers[${index}]`;
  if (!isObject(value) || typeof value.iss !== 'string' || value.iss === '') fail(`${where} needs a non-empty iss`);
  const rule: IssuerRule = { iss: value.iss };
  if (value.subjects !== undefined) {
    if (!Array.isArray(value.subjects) || !value.subjects.every((s) => typeof s === 'string')) fail(`${where}.subjects must be a list of patterns`);
    rule.subjects = value.subjects as string[];
  }
  if (value.keys !== undefined) {
    if (!Array.isArray(value.keys)) fail(`${where}.keys must be a list`);
    rule.keys = value.keys.map((key, i) => readKey(key, `${where}.keys[${i}]`));
  }
  return rule;
}

/** The key's SPKI id; a key no receipt could ever be verified with is refused with the policy. */
function serviceKeyId(jwk: unknown, where: string): string {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    fail(`${where} is not a usable public key`);
  }
  const unusable = unusableKeyReason(key, (jwk as JsonWebKey).alg);
  if (unusable) fail(`${where} cannot verify receipts: ${unusable}`);
  return keyIdOf(key);
}

/**
 * Every service key must be usable, and receipts count toward the minimum once per service: two
 * entries naming the same service, or pinning the same key, would let one service count twice.
 */
function checkServices(services: readonly ServiceRule[]): void {
  const owners = new Map<string, number>();
  services.forEach((service, index) => {
    const earlier = services.findIndex((other) => other.iss === service.iss);
    if (earlier !== index) fail(`services[${index}] repeats the issuer ${service.iss} of services[${earlier}]`);
    const ids = service.jwks.keys.map((jwk, i) => serviceKeyId(jwk, `services[${index}] (${service.iss}) key ${i + 1}`));
    for (const id of ids) {
      const owner = owners.get(id);
      if (owner !== undefined && owner !== index) fail(`services[${index}] pins key ${id} that services[${owner}] pins too: one service cannot count as two`);
      owners.set(id, index);
    }
  });
}

function readService(value: unknown, index: number): ServiceRule {
  const where = `services[${index}]`;
  if (!isObject(value) || typeof value.iss !== 'string') fail(`${where} needs an iss`);
  if (!isObject(value.jwks) || !Array.isArray(value.jwks.keys)) fail(`${where}.jwks must be a JWK set`);
  if (value.jwksUri !== undefined && typeof value.jwksUri !== 'string') fail(`${where}.jwksUri must be text`);
  if (value.fetchKeys !== undefined && typeof value.fetchKeys !== 'boolean') fail(`${where}.fetchKeys must be true or false`);
  if (value.fetchKeys && !value.jwksUri) fail(`${where}.fetchKeys needs a jwksUri to fetch from`);
  if (value.url !== undefined && (typeof value.url !== 'string' || !isServiceUrl(value.url))) fail(`${where}.url must be an http or https URL`);
  if (value.serviceIdentity !== undefined) {
    if (typeof value.url !== 'string') fail(`${where}.serviceIdentity needs the url it is presented at`);
    if (typeof value.serviceIdentity !== 'string' || !isCertificatePem(value.serviceIdentity)) fail(`${where}.serviceIdentity must be a PEM certificate`);
  }
  const rule: ServiceRule = { iss: value.iss, jwks: { keys: value.jwks.keys as JsonWebKey[] } };
  if (value.jwksUri !== undefined) rule.jwksUri = value.jwksUri as string;
  if (value.fetchKeys === true) rule.fetchKeys = true;
  if (value.url !== undefined) rule.url = value.url as string;
  if (value.serviceIdentity !== undefined) rule.serviceIdentity = value.serviceIdentity as string;
  return rule;
}

function isServiceUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function readReceiptRules(value: unknown): ReceiptRules {
  const defaults = emptyPolicy().receipts;
  if (value === undefined) return defaults;
  if (!isObject(value)) fail('receipts must be an object');
  const minimum = value.minimum ?? defaults.minimum;
  if (typeof minimum !== 'number' || !Number.isInteger(minimum) || minimum < 0) fail('receipts.minimum must be a whole number');
  for (const flag of ['requireAllListed', 'ignoreUnlisted'] as const) {
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean') fail(`receipts.${flag} must be true or false`);
  }
  return {
    minimum,
    requireAllListed: (value.requireAllListed as boolean | undefined) ?? defaults.requireAllListed,
    ignoreUnlisted: (value.ignoreUnlisted as boolean | undefined) ?? defaults.ignoreUnlisted,
  };
}

/** Reads and checks a trust policy from its JSON text. */
export function parsePolicy(text: string): TrustPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('not valid JSON');
  }
  if (!isObject(value)) fail('must be a JSON object');
  if (value.version !== POLICY_VERSION) {
    if (typeof value.version === 'number' && value.version > POLICY_VERSION) {
      throw new PolicyError('POLICY_VERSION', `trust policy version ${value.version} needs a newer countersign`);
    }
    fail(`version must be ${POLICY_VERSION}`);
  }
  const issuers = value.issuers ?? [];
  const services = value.services ?? [];
  if (!Array.isArray(issuers)) fail('issuers must be a list');
  if (!Array.isArray(services)) fail('services must be a list');
  const policy: TrustPolicy = {
    version: POLICY_VERSION,
    issuers: issuers.map(readIssuer),
    services: services.map(readService),
    receipts: readReceiptRules(value.receipts),
  };
  checkServices(policy.services);
  return policy;
}

export function serializePolicy(policy: TrustPolicy): string {
  return `${JSON.stringify(policy, null, 2)}\n`;
}

export interface AddIssuerInput {
  iss: string;
  key?: KeyObject;
  subjects?: string[];
  notBefore?: string;
  notAfter?: string;
}

/** Returns the policy with the issuer added, or its key and subjects merged into the existing rule. */
export function addIssuer(policy: TrustPolicy, input: AddIssuerInput): TrustPolicy {
  const issuers = policy.issuers.map((rule) => ({ ...rule }));
  let rule = issuers.find((existing) => existing.iss === input.iss);
  if (!rule) {
    rule = { iss: input.iss };
    issuers.push(rule);
  } else if (!input.key && !input.subjects) {
    throw new PolicyError('POLICY_DUPLICATE', `issuer ${input.iss} is already trusted`);
  }
  if (input.subjects) rule.subjects = [...new Set([...(rule.subjects ?? []), ...input.subjects])];
  if (input.key) {
    const unusable = unusableKeyReason(input.key);
    if (unusable) throw new PolicyError('POLICY_MALFORMED', `the key of ${input.iss} cannot verify statements: ${unusable}`);
    const kid = keyIdOf(input.key);
    if (rule.keys?.some((key) => key.kid === kid)) throw new PolicyError('POLICY_DUPLICATE', `key ${kid} is already trusted for ${input.iss}`);
    const trusted: TrustedKey = { kid, jwk: publicJwkOf(input.key) };
    if (input.notBefore) trusted.notBefore = input.notBefore;
    if (input.notAfter) trusted.notAfter = input.notAfter;
    rule.keys = [...(rule.keys ?? []), trusted];
  }
  return { ...policy, issuers };
}

export interface AddServiceInput {
  iss: string;
  jwks: { keys: JsonWebKey[] };
  jwksUri?: string;
  fetchKeys?: boolean;
  url?: string;
  serviceIdentity?: string;
}

/** Returns the policy with the service's receipt keys pinned; a service already there has its keys replaced. */
export function addService(policy: TrustPolicy, input: AddServiceInput): TrustPolicy {
  if (input.jwks.keys.length === 0) throw new PolicyError('POLICY_MALFORMED', `service ${input.iss} has no keys to pin`);
  const service: ServiceRule = { iss: input.iss, jwks: { keys: input.jwks.keys.map((jwk) => ({ ...jwk })) } };
  if (input.jwksUri) service.jwksUri = input.jwksUri;
  if (input.fetchKeys) {
    if (!input.jwksUri) throw new PolicyError('POLICY_MALFORMED', `service ${input.iss} can only allow key fetching with a jwks_uri`);
    service.fetchKeys = true;
  }
  if (input.url) service.url = input.url;
  if (input.serviceIdentity) {
    if (!input.url) throw new PolicyError('POLICY_MALFORMED', `service ${input.iss}: a service identity is stored with the URL it is presented at`);
    if (!isCertificatePem(input.serviceIdentity)) throw new PolicyError('POLICY_MALFORMED', `service ${input.iss}: the service identity is not a PEM certificate`);
    service.serviceIdentity = input.serviceIdentity;
  }
  const services = [...policy.services.filter((existing) => existing.iss !== input.iss), service];
  checkServices(services);
  return { ...policy, services };
}
