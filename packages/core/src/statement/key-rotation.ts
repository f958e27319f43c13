import { createHash, type KeyObject } from 'node:crypto';
import { keyIdOf, publicJwkOf } from '../cose/keys.js';
import type { Signer } from '../cose/signer.js';
import { SHA256 } from '../digest/hash-algorithms.js';
import { StatementError } from './errors.js';
import { createSignedStatement, type SignedStatement } from './signed-statement.js';

/** Every key-rotation statement's subject starts with this; the rest names the key whose versions rotate. */
export const KEY_ROTATION_SUBJECT_PREFIX = 'key-rotation:';
/** The preimage content type (label 259) of a key-rotation statement: its payload is the digest of a JWK. */
export const KEY_ROTATION_CONTENT_TYPE = 'application/jwk+json';

// RFC 7638's required members, in its lexicographic order: the same key always gives the same bytes.
const REQUIRED_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The public key as the JSON RFC 7638 hashes for a JWK thumbprint: required members only, in
 * lexicographic order, no white space. A rotation statement's payload is the SHA-256 of these bytes,
 * so anyone holding the new key can recompute it, and the bytes themselves are the statement's artifact.
 */
export function canonicalPublicJwk(key: KeyObject): Uint8Array {
  const jwk = publicJwkOf(key) as Record<string, unknown>;
  const members = REQUIRED_MEMBERS[String(jwk.kty)];
  if (!members) throw new StatementError('STATEMENT_NOT_KEY_ROTATION', `a ${String(jwk.kty)} key has no JWK thumbprint form`);
  const ordered = Object.fromEntries(members.map((name) => [name, jwk[name]]));
  return new TextEncoder().encode(JSON.stringify(ordered));
}

export interface KeyRotationToSign {
  /** The CWT iss statements of the rotated key carry. */
  issuer: string;
  /** What rotates, e.g. the Key Vault key URL without its version; the subject is the prefix and this. */
  keyName: string;
  /** The version taking over. */
  newKey: KeyObject;
  /** Where the new version's public key can be read (label 260), e.g. its Key Vault version URL. */
  newKeyLocation?: string;
  /** Seconds since the epoch. */
  issuedAt?: number;
}

/**
 * A SCITT signed statement, signed by the version being retired (its kid in the protected header),
 * that names the version taking over: a hash envelope over the new key's canonical JWK.
 */
export async function createKeyRotationStatement(input: KeyRotationToSign, previous: Signer): Promise<Uint8Array> {
  return createSignedStatement(
    {
      hashAlgorithm: SHA256,
      digest: new Uint8Array(createHash('sha256').update(canonicalPublicJwk(input.newKey)).digest()),
      issuer: input.issuer,
      subject: `${KEY_ROTATION_SUBJECT_PREFIX}${input.keyName}`,
      issuedAt: input.issuedAt,
      preimageContentType: KEY_ROTATION_CONTENT_TYPE,
      location: input.newKeyLocation,
    },
    previous,
  );
}

/**
 * Checks that a parsed statement is the rotation from `previousKey` to `newKey`: the rotation subject
 * and content type, the previous key's kid, and a payload that is the new key's canonical JWK digest.
 * The signature is checked separately (verifyStatementSignature with the previous key).
 */
export function checkKeyRotationStatement(statement: SignedStatement, previousKey: KeyObject, newKey: KeyObject): void {
  const { payload, claims, kid } = statement;
  const fail = (why: string): never => {
    throw new StatementError('STATEMENT_NOT_KEY_ROTATION', `not the rotation from key ${keyIdOf(previousKey)} to key ${keyIdOf(newKey)}: ${why}`);
  };
  if (!claims.sub.startsWith(KEY_ROTATION_SUBJECT_PREFIX)) fail(`its subject is ${claims.sub}`);
  if (payload.kind !== 'hash-envelope' || payload.preimageContentType !== KEY_ROTATION_CONTENT_TYPE || payload.hashAlgorithm.name !== SHA256.name) {
    fail(`its payload is not a SHA-256 hash envelope over ${KEY_ROTATION_CONTENT_TYPE}`);
  }
  if (!kid || Buffer.from(kid).toString('utf8') !== keyIdOf(previousKey)) fail('it is not signed with the previous key id');
  const expected = createHash('sha256').update(canonicalPublicJwk(newKey)).digest();
  if (payload.kind === 'hash-envelope' && !expected.equals(payload.digest)) fail('its payload names another key');
}
