import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { CborTag, decode, encode, type CborMap } from '../src/cbor/index.js';
import { HeaderLabel, LocalSigner, signSign1 } from '../src/cose/index.js';
import { SHA256, SHA384, SHA512 } from '../src/digest/hash-algorithms.js';
import {
  artifactHashAlgorithm,
  createSignedStatement,
  expectedArtifactDigest,
  parseSignedStatement,
  verifyStatementSignature,
} from '../src/statement/index.js';
import { addIssuer, emptyPolicy } from '../src/trust/index.js';
import { verifyStatement } from '../src/verify/index.js';
import { issueDevChain, parseCertificate } from '../src/x509/index.js';
import { errorCode } from './error-code.js';
import { describeWithVectors, readVector } from './vectors.js';

const codeOf = (fn: () => unknown): string => errorCode(fn);

const checksOf = (verdict: ReturnType<typeof verifyStatement>): Record<string, string> =>
  Object.fromEntries(verdict.checks.map((check) => [check.name, check.outcome]));

describeWithVectors('real signed statements from other tools', () => {
  const real = ['cosesign1tool-scitt-a3be7e5.cose', 'manifest.spdx.json.sha384.digest.cose', 'unit-test-coseplayground-es256-didx509.cose'];

  it.each(real)('%s decodes and verifies with x5chain[0]', (file) => {
    const statement = parseSignedStatement(readVector('scitt-statements', file));
    expect(statement.x5chain?.length).toBeGreaterThanOrEqual(2);
    const leaf = parseCertificate(statement.x5chain![0]!);
    expect(codeOf(() => verifyStatementSignature(statement, leaf.publicKey))).toBe('ok');
    expect(statement.claims.iss).toMatch(/^did:x509:0:sha256:/);
  });

  it('reads each payload form: embedded, COSE_Hash_V with its algorithm, untagged and tagged iat', () => {
    const tool = parseSignedStatement(readVector('scitt-statements', 'cosesign1tool-scitt-a3be7e5.cose'));
    expect(tool.payload.kind).toBe('embedded');
    expect(tool.claims.iat).toBe(1763991918);
    expect(tool.claims.nbf).toBe(1763991918);
    const manifest = parseSignedStatement(readVector('scitt-statements', 'manifest.spdx.json.sha384.digest.cose'));
    expect(manifest.payload).toMatchObject({ kind: 'cose-hash-v', preimageContentType: 'application/spdx+json' });
    expect(artifactHashAlgorithm(manifest.payload)).toBe(SHA384);
    expect(manifest.claims.iat).toBe(1741023399); // written as 1(1741023399)
    expect(manifest.claims.all.get('svn')).toBe(2); // text-keyed claims are kept
    expect(manifest.algorithm.name).toBe('PS384');
  });

  it.each<[string, string]>([
    ['unit-test-nil-payload-rejected.cose', 'STATEMENT_NIL_PAYLOAD'],
    ['unit-test-empty-payload-rejected.cose', 'STATEMENT_EMPTY_PAYLOAD'],
    ['unit-test-invalid-attestedsvc-map.cose', 'COSE_MALFORMED'],
  ])('%s is refused (%s)', (file, code) => {
    expect(codeOf(() => parseSignedStatement(readVector('scitt-statements', file)))).toBe(code);
  });

  it('verifies a did:x509 statement from another tool under a policy, at a time its certificates were valid', () => {
    const bytes = readVector('scitt-statements', 'unit-test-coseplayground-es256-didx509.cose');
    const statement = parseSignedStatement(bytes);
    const leaf = parseCertificate(statement.x5chain![0]!);
    const policy = addIssuer(emptyPolicy(), { iss: statement.claims.iss, subjects: ['demo'] });
    const artifact = { algorithm: SHA256, digest: expectedArtifactDigest(statement.payload) };
    const inside = verifyStatement({ statement: bytes, artifact, policy, allowUnlogged: true, now: new Date(leaf.notBefore.getTime() + 1000) });
    expect(inside.verified).toBe(true);
    const after = verifyStatement({ statement: bytes, artifact, policy, allowUnlogged: true, now: new Date(leaf.notAfter.getTime() + 1000) });
    expect(checksOf(after)['key-validity']).toBe('fail');
  });
});

describe('signed statements made by countersign', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = LocalSigner.from(privateKey);
  const digest = new Uint8Array(createHash('sha256').update('artifact').digest());
  const base = { hashAlgorithm: SHA256, digest, issuer: 'release-bot', subject: 'app.tar.gz', issuedAt: 1_800_000_000, preimageContentType: 'application/gzip' };

  it('writes the SCITT hash envelope profile', async () => {
    const bytes = await createSignedStatement({ ...base, location: 'https://example.test/app.tar.gz' }, signer);
    const top = decode(bytes) as CborTag;
    expect(top.tag).toBe(18);
    const header = decode((top.value as unknown[])[0] as Uint8Array) as CborMap;
    expect([...header.keys()]).toEqual([1, 4, 15, 258, 259, 260]);
    expect(header.get(HeaderLabel.contentType)).toBeUndefined();
    expect(header.get(HeaderLabel.cwtClaims)).toEqual(new Map<number, unknown>([[1, 'release-bot'], [2, 'app.tar.gz'], [6, 1_800_000_000]]));
    expect(header.get(HeaderLabel.payloadHashAlg)).toBe(-16);
    expect(header.get(HeaderLabel.kid)).toEqual(signer.keyId);
    const statement = parseSignedStatement(bytes);
    expect(statement.payload).toMatchObject({ kind: 'hash-envelope', preimageContentType: 'application/gzip', location: 'https://example.test/app.tar.gz' });
    expect(codeOf(() => verifyStatementSignature(statement, createPublicKey(privateKey)))).toBe('ok');
  });

  it.each([SHA384, SHA512])('signs %s digests', async (algorithm) => {
    const long = new Uint8Array(algorithm.length).fill(1);
    const statement = parseSignedStatement(await createSignedStatement({ ...base, hashAlgorithm: algorithm, digest: long }, signer));
    expect(artifactHashAlgorithm(statement.payload)).toBe(algorithm);
    await expect(createSignedStatement({ ...base, hashAlgorithm: algorithm, digest }, signer)).rejects.toMatchObject({ code: 'STATEMENT_BAD_HASH_ENVELOPE' });
  });

  it('writes a one-certificate x5chain as a bare bstr and a longer one as an array', async () => {
    const now = new Date();
    const { chain } = issueDevChain({ subject: [{ type: 'CN', value: 'signer' }], publicKey: createPublicKey(privateKey), notBefore: now, notAfter: new Date(now.getTime() + 86_400_000) });
    const two = parseSignedStatement(await createSignedStatement({ ...base, x5chain: chain }, signer));
    expect(two.x5chain).toEqual(chain);
    expect(two.kid).toBeUndefined();
    const header = decode(parseSignedStatement(await createSignedStatement({ ...base, x5chain: [chain[0]] }, signer)).message.protectedBytes) as CborMap;
    expect(header.get(HeaderLabel.x5chain)).toEqual(chain[0]);
  });

  async function statementWith(extra: Array<[number, unknown]>, claims?: Map<unknown, unknown>): Promise<Uint8Array> {
    const header = new Map<never, never>([
      [HeaderLabel.cwtClaims as never, (claims ?? new Map<number, unknown>([[1, 'release-bot'], [2, 'app.tar.gz']])) as never],
      [HeaderLabel.payloadHashAlg as never, -16 as never],
      [HeaderLabel.kid as never, signer.keyId as never],
      ...(extra as Array<[never, never]>),
    ]);
    return (await signSign1({ protectedHeader: header, payload: digest }, signer)).encoded;
  }

  it('reads iat tagged with 1 and keeps text-keyed claims', async () => {
    const bytes = await statementWith([], new Map<unknown, unknown>([[1, 'i'], [2, 's'], [6, new CborTag(1, 1_700_000_000)], ['build', 'ci-42']]));
    const { claims } = parseSignedStatement(bytes);
    expect(claims.iat).toBe(1_700_000_000);
    expect(claims.all.get('build')).toBe('ci-42');
  });

  it.each<[string, Array<[number, unknown]>, Map<unknown, unknown> | undefined, string]>([
    ['no sub', [], new Map<unknown, unknown>([[1, 'i']]), 'STATEMENT_MISSING_CLAIM'],
    ['iss not text', [], new Map<unknown, unknown>([[1, 7], [2, 's']]), 'STATEMENT_MALFORMED'],
    ['content type beside a hash envelope', [[3, 'text/plain']], undefined, 'STATEMENT_BAD_HASH_ENVELOPE'],
    ['unknown payload hash', [[258, -999]], undefined, 'STATEMENT_BAD_HASH_ENVELOPE'],
    ['unknown critical label', [[2, [900]], [900, 1]], undefined, 'COSE_UNKNOWN_CRITICAL_HEADER'],
    ['x5t that names another certificate', [[34, [-16, new Uint8Array(32)]], [33, new Uint8Array([0x30, 0x00])]], undefined, 'STATEMENT_X5T_MISMATCH'],
  ])('refuses a statement with %s', async (_name, extra, claims, code) => {
    const bytes = await statementWith(extra, claims);
    expect(codeOf(() => parseSignedStatement(bytes))).toBe(code);
  });

  it('refuses statements over the size limit before decoding them', () => {
    const huge = encode([new Uint8Array(0), new Map(), new Uint8Array(1024 * 1024), new Uint8Array(64)]);
    expect(codeOf(() => parseSignedStatement(huge))).toBe('CBOR_LIMIT');
  });
});

describe('verifyStatement with key-based issuers', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const signer = LocalSigner.from(privateKey);
  const digest = new Uint8Array(createHash('sha256').update('artifact').digest());
  const artifact = { algorithm: SHA256, digest };
  let statement: Uint8Array;
  beforeAll(async () => {
    statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'release-bot', subject: 'app.tar.gz', issuedAt: 1_800_000_000 }, signer);
  });

  it('passes every check with a trusted key in its window', () => {
    const policy = addIssuer(emptyPolicy(), { iss: 'release-bot', key: publicKey, notBefore: '2026-01-01T00:00:00Z' });
    const verdict = verifyStatement({ statement, artifact, policy, allowUnlogged: true, now: new Date('2026-06-01T00:00:00Z') });
    expect(checksOf(verdict)).toEqual({
      'statement-format': 'pass',
      'artifact-digest': 'pass',
      issuer: 'pass',
      subject: 'pass',
      'key-validity': 'pass',
      'statement-signature': 'pass',
      'statement-validity': 'pass',
      receipts: 'skipped',
    });
    expect(verdict.verified).toBe(true);
  });

  it('fails a key used outside its window, and only that check', () => {
    const policy = addIssuer(emptyPolicy(), { iss: 'release-bot', key: publicKey, notAfter: '2026-01-01T00:00:00Z' });
    const verdict = verifyStatement({ statement, artifact, policy, allowUnlogged: true, now: new Date('2026-06-01T00:00:00Z') });
    expect(checksOf(verdict)).toMatchObject({ issuer: 'pass', 'key-validity': 'fail', 'statement-signature': 'skipped' });
    expect(verdict.verified).toBe(false);
  });

  it('fails when the policy holds another key for the issuer', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    const verdict = verifyStatement({ statement, artifact, policy: addIssuer(emptyPolicy(), { iss: 'release-bot', key: other }), allowUnlogged: true });
    expect(checksOf(verdict).issuer).toBe('fail');
  });

  it('fails without a receipt unless unlogged statements are allowed', () => {
    const policy = addIssuer(emptyPolicy(), { iss: 'release-bot', key: publicKey });
    const verdict = verifyStatement({ statement, artifact, policy });
    expect(checksOf(verdict).receipts).toBe('fail');
    expect(verdict.verified).toBe(false);
  });
});
