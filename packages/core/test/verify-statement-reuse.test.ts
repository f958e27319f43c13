import { createHash, generateKeyPairSync } from 'node:crypto';
import { decodeSign1, encodeSign1, HeaderLabel, LocalSigner, signSign1, withEmptyUnprotectedHeader } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { statementEntry, statementLeafHash } from '../src/receipts/index.js';
import { statementEntryHex } from '../src/receipts/entry.js';
import { createSignedStatement } from '../src/statement/index.js';
import { cwtClaimsMap } from '../src/statement/cwt-claims.js';
import { addIssuer, emptyPolicy, type TrustPolicy } from '../src/trust/index.js';
import { verifyStatement, type Verdict } from '../src/verify/index.js';

/**
 * verifyStatement keeps a few things between calls (the last kid's text, a trusted key's parsed
 * validity window, fixed reason phrases) and hashes the statement for its verdict without keeping the
 * entry: none of that may answer one statement with what was found for another.
 */
const digest = new Uint8Array(createHash('sha256').update('the artifact').digest());
const artifact = { algorithm: SHA256, digest };
const now = new Date('2026-06-01T00:00:00Z');
const trustedKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const trusted = LocalSigner.from(trustedKeys.privateKey);
const other = LocalSigner.from(otherKeys.privateKey);

const sign = (signer: LocalSigner, subject = 'app.tgz'): Promise<Uint8Array> =>
  createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'build-bot', subject, issuedAt: 1_780_000_000 }, signer);

/** A statement signed by the trusted key but naming `kid`: only the kid decides whether a key is found. */
async function signedWithKid(kid: Uint8Array): Promise<Uint8Array> {
  const header = new Map<number, unknown>([
    [HeaderLabel.alg, trusted.algorithm.id],
    [HeaderLabel.kid, kid],
    [HeaderLabel.cwtClaims, cwtClaimsMap({ iss: 'build-bot', sub: 'app.tgz' })],
    [HeaderLabel.payloadHashAlg, SHA256.coseId],
  ]);
  return (await signSign1({ protectedHeader: header as Map<never, never>, payload: digest }, trusted)).encoded;
}

const outcome = (verdict: Verdict, name: string): string | undefined => verdict.checks.find((check) => check.name === name)?.outcome;
const reason = (verdict: Verdict, name: string): string | undefined => verdict.checks.find((check) => check.name === name)?.reason;
const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let policy: TrustPolicy;
beforeAll(() => {
  policy = addIssuer(emptyPolicy(), { iss: 'build-bot', key: trustedKeys.publicKey });
});

const verify = (statement: Uint8Array, withPolicy = policy): Verdict => verifyStatement({ statement, artifact, policy: withPolicy, allowUnlogged: true, now });

describe('what verifyStatement keeps between statements', () => {
  it('never takes one kid for another, however alike, in any order', async () => {
    const good = await sign(trusted);
    const kid = decodeSign1(good).protectedHeader.get(HeaderLabel.kid) as Uint8Array;
    const lastByteChanged = kid.slice();
    lastByteChanged[lastByteChanged.length - 1] = (kid[kid.length - 1] as number) ^ 0x01;
    const oneByteShorter = kid.slice(0, -1);
    const outsized = new Uint8Array(200).fill(0x41);
    const alike = [await signedWithKid(lastByteChanged), await signedWithKid(oneByteShorter), await sign(other), await signedWithKid(outsized)];

    for (const statement of [good, ...alike, good, alike[0] as Uint8Array, good, alike[3] as Uint8Array, alike[3] as Uint8Array, good]) {
      const verdict = verify(statement);
      if (statement === good) {
        expect(verdict.verified).toBe(true);
        expect(outcome(verdict, 'issuer')).toBe('pass');
      } else {
        expect(verdict.verified).toBe(false);
        expect(outcome(verdict, 'issuer')).toBe('fail');
        expect(outcome(verdict, 'statement-signature')).toBe('skipped');
      }
    }
    expect(reason(verify(alike[0] as Uint8Array), 'issuer')).toContain(Buffer.from(lastByteChanged).toString('utf8'));
  });

  it("reads a trusted key's validity window again when it changes in place, as rotate-key changes it", async () => {
    const statement = await sign(trusted);
    const key = policy.issuers[0]?.keys?.[0];
    if (!key) throw new Error('the policy has no key');
    try {
      expect(outcome(verify(statement), 'key-validity')).toBe('pass');
      key.notAfter = '2026-01-01T00:00:00Z';
      expect(outcome(verify(statement), 'key-validity')).toBe('fail');
      expect(reason(verify(statement), 'key-validity')).toContain('retired at 2026-01-01T00:00:00Z');
      key.notAfter = '2027-01-01T00:00:00Z';
      key.notBefore = '2026-07-01T00:00:00Z';
      expect(outcome(verify(statement), 'key-validity')).toBe('fail');
      expect(reason(verify(statement), 'key-validity')).toContain('not valid before 2026-07-01T00:00:00Z');
      key.notBefore = '2026-05-01T00:00:00Z';
      expect(outcome(verify(statement), 'key-validity')).toBe('pass');
    } finally {
      delete key.notBefore;
      delete key.notAfter;
    }
  });

  it('reports each statement\'s own hash: its bytes, or its bytes with the unprotected header emptied', async () => {
    const first = await sign(trusted, 'first.tgz');
    const second = await sign(trusted, 'second.tgz');
    const message = decodeSign1(second);
    const withUnprotected = encodeSign1({ ...message, unprotectedHeader: new Map([[99, 'not signed']]) });
    const bare = withEmptyUnprotectedHeader(decodeSign1(withUnprotected));

    for (const [statement, logged] of [[first, first], [withUnprotected, bare], [second, second], [withUnprotected, bare], [first, first]] as const) {
      const verdict = verify(statement);
      expect(verdict.verified).toBe(true);
      expect(verdict.statement?.statementHash).toBe(sha256Hex(logged));
    }
    expect(sha256Hex(first)).not.toBe(sha256Hex(second));
  });

  it('keeps no receipt list or check list shared between verdicts', async () => {
    const statement = await sign(trusted);
    const one = verify(statement);
    const two = verify(statement);
    expect(one.statement?.receipts).toEqual([]);
    expect(one.statement?.receipts).not.toBe(two.statement?.receipts);
    expect(one.checks).not.toBe(two.checks);
    expect(one.checks).toEqual(two.checks);
  });

  it("answers each message's entry for that message alone, however the calls interleave", async () => {
    const statements = [await sign(trusted, 'a.tgz'), await sign(trusted, 'b.tgz')];
    const messages = statements.map((bytes) => decodeSign1(bytes));
    const [a, b] = messages as [ReturnType<typeof decodeSign1>, ReturnType<typeof decodeSign1>];
    const expected = new Map([[a, sha256Hex(statements[0] as Uint8Array)], [b, sha256Hex(statements[1] as Uint8Array)]]);
    for (const message of [a, a, b, a, b, b]) {
      expect(Buffer.from(statementEntry(message)).toString('hex')).toBe(expected.get(message));
      expect(statementEntryHex(message)).toBe(expected.get(message));
      expect(statementEntryHex(message)).toBe(expected.get(message));
    }
    statementLeafHash(a);
    expect(statementEntryHex(b)).toBe(expected.get(b));
    // The same bytes decoded again are another message, with the same entry.
    expect(statementEntryHex(decodeSign1(statements[0] as Uint8Array))).toBe(expected.get(a));
  });
});
