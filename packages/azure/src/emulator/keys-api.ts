import { createPublicKey } from 'node:crypto';
import { badParameter, keyDisabled, keyNotFound, VaultAnswerError } from './answers.js';
import { curveSupported, signDigestEcdsa, signDigestPkcs1, signDigestPss } from './digest-signing.js';
import { EMULATED_CURVES, EMULATED_KEY_TYPES, EMULATED_RSA_SIZES, now, type EmulatedKeyType, type KeyVersion, type RotationPolicy, type VaultState } from './vault-state.js';
import { objectBody, ok, type VaultReply, type VaultRequest } from './vault-request.js';

/** Faults a test can switch on while the emulator runs. */
export interface SigningFaults {
  /** Every signature is answered with one byte changed, as a broken or hostile vault would. */
  corruptSignatures: boolean;
}

const KEY_NAME = /^[0-9A-Za-z-]{1,127}$/;
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

interface SigningScheme {
  readonly family: 'ecdsa' | 'pss' | 'pkcs1';
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly curve?: string;
}

const SIGNING_SCHEMES: Record<string, SigningScheme> = {
  ES256: { family: 'ecdsa', hash: 'sha256', curve: 'P-256' },
  ES384: { family: 'ecdsa', hash: 'sha384', curve: 'P-384' },
  ES512: { family: 'ecdsa', hash: 'sha512', curve: 'P-521' },
  ES256K: { family: 'ecdsa', hash: 'sha256', curve: 'P-256K' },
  PS256: { family: 'pss', hash: 'sha256' },
  PS384: { family: 'pss', hash: 'sha384' },
  PS512: { family: 'pss', hash: 'sha512' },
  RS256: { family: 'pkcs1', hash: 'sha256' },
  RS384: { family: 'pkcs1', hash: 'sha384' },
  RS512: { family: 'pkcs1', hash: 'sha512' },
};
const DIGEST_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

export const keyId = (baseUrl: string, key: KeyVersion): string => `${baseUrl}/keys/${key.name}/${key.version}`;

function attributes(key: KeyVersion): Record<string, unknown> {
  return {
    enabled: key.enabled,
    ...(key.notBefore !== undefined ? { nbf: key.notBefore } : {}),
    ...(key.expires !== undefined ? { exp: key.expires } : {}),
    created: key.created,
    updated: key.updated,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays: 90,
    exportable: false,
  };
}

function publicJwk(key: KeyVersion): Record<string, unknown> {
  const jwk = createPublicKey(key.privateKey).export({ format: 'jwk' });
  if (key.kty.startsWith('EC')) return { crv: key.crv, x: jwk.x, y: jwk.y };
  return { n: jwk.n, e: jwk.e };
}

export function keyBundle(baseUrl: string, key: KeyVersion): Record<string, unknown> {
  return {
    key: { kid: keyId(baseUrl, key), kty: key.kty, key_ops: key.keyOps, ...publicJwk(key) },
    attributes: attributes(key),
    ...(Object.keys(key.tags).length > 0 ? { tags: key.tags } : {}),
    ...(key.managed ? { managed: true } : {}),
  };
}

function keyItem(baseUrl: string, key: KeyVersion, withVersion: boolean): Record<string, unknown> {
  return {
    kid: withVersion ? keyId(baseUrl, key) : `${baseUrl}/keys/${key.name}`,
    attributes: attributes(key),
    ...(Object.keys(key.tags).length > 0 ? { tags: key.tags } : {}),
    ...(key.managed ? { managed: true } : {}),
  };
}

function existingKey(state: VaultState, name: string, version: string | undefined): KeyVersion {
  const key = state.keyVersion(name, version);
  if (!key) throw keyNotFound(name, version);
  return key;
}

/** Key Vault refuses every operation but update on a disabled version, and crypto outside nbf..exp. */
function usableKey(state: VaultState, name: string, version: string | undefined, operation: string): KeyVersion {
  const key = existingKey(state, name, version);
  if (!key.enabled) throw keyDisabled(operation);
  const time = now();
  if ((key.notBefore !== undefined && time < key.notBefore) || (key.expires !== undefined && time >= key.expires)) {
    throw new VaultAnswerError(403, 'Forbidden', `Operation ${operation} is not allowed outside the key's validity period.`, 'KeyNotYetValidOrExpired');
  }
  return key;
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badParameter(`Property ${field} has invalid value.`);
  return value;
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw badParameter(`Property ${field} has invalid value.`);
  return value as string[];
}

function tagsOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const tags = objectBody(value);
  if (!Object.values(tags).every((tag) => typeof tag === 'string')) throw badParameter('Property tags has invalid value.');
  return tags as Record<string, string>;
}

function createKey(state: VaultState, name: string, request: VaultRequest): VaultReply {
  if (!KEY_NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
  const body = objectBody(request.body);
  const kty = body.kty;
  if (typeof kty !== 'string' || !EMULATED_KEY_TYPES.includes(kty as EmulatedKeyType)) {
    throw badParameter(`The specified key type (kty) is invalid or not supported by this emulator: ${String(kty)}`);
  }
  const ec = kty.startsWith('EC');
  const crv = body.crv ?? (ec ? 'P-256' : undefined);
  if (ec && (typeof crv !== 'string' || !EMULATED_CURVES.includes(crv as (typeof EMULATED_CURVES)[number]) || !curveSupported(crv))) {
    throw badParameter(`The specified curve (crv) is invalid: ${String(crv)}`);
  }
  const keySize = optionalNumber(body.key_size, 'key_size') ?? (ec ? undefined : 2048);
  if (!ec && !EMULATED_RSA_SIZES.includes(keySize as (typeof EMULATED_RSA_SIZES)[number])) throw badParameter(`The specified key size is invalid: ${keySize}`);
  const attributesIn = objectBody(body.attributes);
  const key = state.createKey(name, {
    kty: kty as EmulatedKeyType,
    ...(ec ? { crv: crv as string } : { keySize }),
    ...(stringList(body.key_ops, 'key_ops') ? { keyOps: stringList(body.key_ops, 'key_ops') } : {}),
    enabled: attributesIn.enabled !== false,
    tags: tagsOf(body.tags),
  });
  key.notBefore = optionalNumber(attributesIn.nbf, 'attributes.nbf');
  key.expires = optionalNumber(attributesIn.exp, 'attributes.exp');
  return ok(keyBundle(request.baseUrl, key));
}

function updateKey(state: VaultState, name: string, version: string | undefined, request: VaultRequest): VaultReply {
  const key = existingKey(state, name, version);
  const body = objectBody(request.body);
  const attributesIn = objectBody(body.attributes);
  if (typeof attributesIn.enabled === 'boolean') key.enabled = attributesIn.enabled;
  if ('nbf' in attributesIn) key.notBefore = optionalNumber(attributesIn.nbf, 'attributes.nbf');
  if ('exp' in attributesIn) key.expires = optionalNumber(attributesIn.exp, 'attributes.exp');
  const keyOps = stringList(body.key_ops, 'key_ops');
  if (keyOps) key.keyOps = keyOps;
  const tags = tagsOf(body.tags);
  if (tags) key.tags = tags;
  key.updated = now();
  return ok(keyBundle(request.baseUrl, key));
}

function sign(state: VaultState, name: string, version: string | undefined, request: VaultRequest, faults: SigningFaults): VaultReply {
  const key = usableKey(state, name, version, 'sign');
  if (!key.keyOps.includes('sign')) throw new VaultAnswerError(403, 'Forbidden', 'Operation sign is not permitted on this key.', 'KeyOperationForbidden');
  const body = objectBody(request.body);
  const scheme = typeof body.alg === 'string' ? SIGNING_SCHEMES[body.alg] : undefined;
  if (!scheme) throw badParameter(`Invalid algorithm: ${String(body.alg)}`);
  if (typeof body.value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(body.value)) throw badParameter('Property value has invalid value.');
  const digest = Buffer.from(body.value, 'base64url');
  const ec = key.kty.startsWith('EC');
  if (ec !== (scheme.family === 'ecdsa') || (ec && scheme.curve !== key.crv)) throw badParameter(`Key and signing algorithm are incompatible: ${key.kty} ${key.crv ?? ''} cannot sign ${String(body.alg)}.`);
  if (digest.length !== DIGEST_LENGTH[scheme.hash]) throw badParameter(`Invalid digest length: ${String(body.alg)} signs a ${DIGEST_LENGTH[scheme.hash]}-byte digest.`);
  const signature =
    scheme.family === 'ecdsa'
      ? signDigestEcdsa(key.privateKey, key.crv as string, digest)
      : scheme.family === 'pss'
        ? signDigestPss(key.privateKey, scheme.hash, digest)
        : signDigestPkcs1(key.privateKey, scheme.hash, digest);
  if (faults.corruptSignatures) signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 0x01;
  return ok({ kid: keyId(request.baseUrl, key), value: Buffer.from(signature).toString('base64url') });
}

function rotationPolicyBody(baseUrl: string, name: string, policy: RotationPolicy | undefined): Record<string, unknown> {
  // A key without a policy of its own reports the service default: notify 30 days before expiry.
  const stored = policy ?? { lifetimeActions: [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }] };
  return {
    id: `${baseUrl}/keys/${name}/rotationpolicy`,
    lifetimeActions: stored.lifetimeActions,
    attributes: {
      ...(stored.expiryTime ? { expiryTime: stored.expiryTime } : {}),
      ...(stored.created !== undefined ? { created: stored.created } : {}),
      ...(stored.updated !== undefined ? { updated: stored.updated } : {}),
    },
  };
}

function validatedLifetimeAction(action: unknown): unknown {
  const entry = objectBody(action);
  const trigger = objectBody(entry.trigger);
  const type = objectBody(entry.action).type;
  const timings = ['timeAfterCreate', 'timeBeforeExpiry'].filter((field) => trigger[field] !== undefined);
  if (timings.length !== 1) throw badParameter('A lifetime action trigger needs exactly one of timeAfterCreate and timeBeforeExpiry.');
  const timing = timings[0] as string;
  if (typeof trigger[timing] !== 'string' || !ISO_DURATION.test(trigger[timing] as string)) throw badParameter(`Property ${timing} is not an ISO 8601 duration.`);
  if (typeof type !== 'string' || !['rotate', 'notify'].includes(type.toLowerCase())) throw badParameter('Property action.type must be Rotate or Notify.');
  return { trigger: { [timing]: trigger[timing] }, action: { type: type.toLowerCase() === 'rotate' ? 'Rotate' : 'Notify' } };
}

function putRotationPolicy(state: VaultState, name: string, request: VaultRequest): VaultReply {
  const key = existingKey(state, name, undefined);
  const body = objectBody(request.body);
  const actions = body.lifetimeActions ?? [];
  if (!Array.isArray(actions)) throw badParameter('Property lifetimeActions has invalid value.');
  const expiryTime = objectBody(body.attributes).expiryTime;
  if (expiryTime !== undefined && (typeof expiryTime !== 'string' || !ISO_DURATION.test(expiryTime))) throw badParameter('Property expiryTime is not an ISO 8601 duration.');
  const stored = state.setRotationPolicy(name, { lifetimeActions: actions.map(validatedLifetimeAction), ...(expiryTime ? { expiryTime } : {}) });
  return ok(rotationPolicyBody(request.baseUrl, key.name, stored));
}

/** /keys, /keys/{name}/..., the operations the keys and cryptography clients call. */
export function handleKeys(state: VaultState, request: VaultRequest, faults: SigningFaults): VaultReply {
  const [, name, third, fourth, ...rest] = request.segments;
  const { method } = request;
  if (name === undefined || name === '') {
    if (method === 'GET') return ok({ value: state.latestKeys().map((key) => keyItem(request.baseUrl, key, false)), nextLink: null });
    throw unknownRoute(request);
  }
  if (rest.length > 0) throw unknownRoute(request);
  if (fourth === undefined) {
    if (method === 'POST' && third === 'create') return createKey(state, name, request);
    if (method === 'POST' && third === 'rotate') {
      const rotated = state.rotateKey(name);
      if (!rotated) throw keyNotFound(name);
      return ok(keyBundle(request.baseUrl, rotated));
    }
    if (third === 'rotationpolicy') {
      if (method === 'GET') return ok(rotationPolicyBody(request.baseUrl, existingKey(state, name, undefined).name, state.rotationPolicy(name)));
      if (method === 'PUT') return putRotationPolicy(state, name, request);
    }
    if (method === 'GET' && third === 'versions') {
      const versions = state.keyVersions(name);
      if (!versions) throw keyNotFound(name);
      return ok({ value: versions.map((key) => keyItem(request.baseUrl, key, true)), nextLink: null });
    }
    if (method === 'GET') return ok(keyBundle(request.baseUrl, usableKey(state, name, third, 'get')));
    if (method === 'PATCH') return updateKey(state, name, third, request);
    throw unknownRoute(request);
  }
  if (method === 'POST' && fourth === 'sign') return sign(state, name, third, request, faults);
  throw unknownRoute(request);
}

export function unknownRoute(request: Pick<VaultRequest, 'method' | 'segments'>): VaultAnswerError {
  return new VaultAnswerError(404, 'NotFound', `The emulator does not serve ${request.method} /${request.segments.join('/')}.`);
}
