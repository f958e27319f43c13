import { describe, expect, it } from '@jest/globals';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { keyIdOf, LocalSigner } from '../src/cose/index.js';
import { canonicalPublicJwk, checkKeyRotationStatement, createKeyRotationStatement, parseSignedStatement, verifyStatementSignature } from '../src/statement/index.js';
import { addIssuer, emptyPolicy, issuersTrustingKey, rotateIssuerKey } from '../src/trust/index.js';
import { errorCode } from './error-code.js';

const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

describe('key-rotation statements', () => {
  const previous = ecKey();
  const next = createPublicKey(ecKey());

  it('are signed by the previous key and name the new one by the digest of its RFC 7638 JWK', async () => {
    const bytes = await createKeyRotationStatement({ issuer: 'release-bot', keyName: 'https://v.vault.azure.net/keys/k', newKey: next, newKeyLocation: 'https://v.vault.azure.net/keys/k/2', issuedAt: 1 }, LocalSigner.from(previous));
    const statement = parseSignedStatement(bytes);
    verifyStatementSignature(statement, createPublicKey(previous));
    checkKeyRotationStatement(statement, createPublicKey(previous), next);
    const jwk = JSON.parse(Buffer.from(canonicalPublicJwk(next)).toString('utf8')) as Record<string, string>;
    expect(Object.keys(jwk)).toEqual(['crv', 'kty', 'x', 'y']);
    expect(statement.payload).toMatchObject({ kind: 'hash-envelope', preimageContentType: 'application/jwk+json', location: 'https://v.vault.azure.net/keys/k/2' });
    expect(statement.payload.kind === 'hash-envelope' && Buffer.from(statement.payload.digest)).toEqual(createHash('sha256').update(canonicalPublicJwk(next)).digest());
    expect(statement.claims.sub).toBe('key-rotation:https://v.vault.azure.net/keys/k');
    expect(errorCode(() => checkKeyRotationStatement(statement, createPublicKey(previous), createPublicKey(ecKey())))).toBe('STATEMENT_NOT_KEY_ROTATION');
    expect(errorCode(() => checkKeyRotationStatement(statement, next, next))).toBe('STATEMENT_NOT_KEY_ROTATION');
  });
});

describe('rotateIssuerKey', () => {
  const previous = createPublicKey(ecKey());
  const next = createPublicKey(ecKey());
  const at = '2026-05-01T10:00:00.000Z';
  const trusted = addIssuer(emptyPolicy(), { iss: 'release-bot', key: previous });

  it('retires the previous key and starts the new one at the rotation time; a second run changes nothing', () => {
    const rotated = rotateIssuerKey(trusted, { iss: 'release-bot', previous, next, at });
    expect(rotated.changed).toBe(true);
    expect(rotated.adoptedPrevious).toBe(false);
    const keys = rotated.policy.issuers[0]?.keys ?? [];
    expect(keys.map((key) => [key.kid, key.notBefore, key.notAfter])).toEqual([
      [keyIdOf(previous), undefined, at],
      [keyIdOf(next), at, undefined],
    ]);
    expect(issuersTrustingKey(rotated.policy, next)).toEqual(['release-bot']);
    const again = rotateIssuerKey(rotated.policy, { iss: 'release-bot', previous, next, at });
    expect(again.changed).toBe(false);
    expect(again.policy).toBe(rotated.policy);
  });

  it('refuses a rotation the windows already contradict, and one to the same key', () => {
    const rotated = rotateIssuerKey(trusted, { iss: 'release-bot', previous, next, at }).policy;
    expect(errorCode(() => rotateIssuerKey(rotated, { iss: 'release-bot', previous, next, at: '2026-06-01T00:00:00.000Z' }))).toBe('POLICY_ROTATION_CONFLICT');
    expect(errorCode(() => rotateIssuerKey(trusted, { iss: 'release-bot', previous, next: previous, at }))).toBe('POLICY_ROTATION_CONFLICT');
  });

  it('adds an issuer and its previous key when the policy had neither', () => {
    const rotated = rotateIssuerKey(emptyPolicy(), { iss: 'new-bot', previous, next, at });
    expect(rotated.adoptedPrevious).toBe(true);
    expect(rotated.policy.issuers[0]?.keys?.map((key) => key.notAfter ?? key.notBefore)).toEqual([at, at]);
  });
});
