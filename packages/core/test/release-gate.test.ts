import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeSign1, encodeSign1, HeaderLabel, LocalSigner, keyIdOf, publicJwkOf } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { ccfReceipt, embedReceipts, encodeCcfReceipt, readCcfInclusionProofs, type CcfInclusionProof } from '../src/receipts/index.js';
import { createSignedStatement } from '../src/statement/index.js';
import { addIssuer, addService, emptyPolicy, type TrustPolicy } from '../src/trust/index.js';
import { verifyStatement, type Verdict } from '../src/verify/index.js';
import { issueDevChain } from '../src/x509/index.js';

/**
 * The release gate against Microsoft-format (vds 2) receipts: each check fails alone, and
 * certificates are judged at the registration time the receipt gives.
 */
const day = 86_400_000;
const notBefore = new Date('2026-01-01T00:00:00Z');
const notAfter = new Date(notBefore.getTime() + 30 * day);
const insideValidity = Math.floor((notBefore.getTime() + 10 * day) / 1000);
const afterExpiry = Math.floor((notAfter.getTime() + 10 * day) / 1000);
const service = { iss: 'mst.example.confidential-ledger.azure.com', ...generateKeyPairSync('ec', { namedCurve: 'P-384' }) };
const serviceSigner = LocalSigner.from(service.privateKey, 'ES384');
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const chain = issueDevChain({ subject: [{ type: 'CN', value: 'Release Signing' }], publicKey: createPublicKey(signingKey.privateKey), notBefore, notAfter });
const digest = new Uint8Array(createHash('sha256').update('the artifact').digest());
const artifact = { algorithm: SHA256, digest };
const ledger = Array.from({ length: 6 }, (_, i) => new Uint8Array(createHash('sha256').update(`other ${i}`).digest()));

let statement: Uint8Array;
let policy: TrustPolicy;

beforeAll(async () => {
  statement = await createSignedStatement(
    { hashAlgorithm: SHA256, digest, issuer: chain.did, subject: 'app.tgz', issuedAt: insideValidity - 60, x5chain: chain.chain },
    LocalSigner.from(signingKey.privateKey),
  );
  policy = addIssuer(emptyPolicy(), { iss: chain.did, subjects: ['app.*'] });
  policy = addService(policy, { iss: service.iss, jwks: { keys: [{ ...publicJwkOf(service.publicKey), kid: keyIdOf(service.publicKey) }] } });
});

const receiptAt = (issuedAt: number, forStatement = statement): Promise<Uint8Array> =>
  ccfReceipt({ signer: serviceSigner, issuer: service.iss, issuedAt, statement: forStatement, ledger, view: 4, seqno: 1207 });
const outcomes = (verdict: Verdict): Record<string, string> => Object.fromEntries(verdict.checks.map((check) => [check.name, check.outcome]));
const verifyAt = (bytes: Uint8Array, now = new Date(afterExpiry * 1000 + day)): Verdict => verifyStatement({ statement: bytes, artifact, policy, now });
/** For damage tests: a time inside the certificate's validity, so that only the damaged check can fail. */
const verifyWhileValid = (bytes: Uint8Array): Verdict => verifyAt(bytes, new Date(insideValidity * 1000 + day));

function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  copy[at] = (copy[at] as number) ^ mask;
  return copy;
}

describe('the release gate with Microsoft-format receipts', () => {
  it('passes a statement whose certificate expired after it was registered, and pins the entry id', async () => {
    const verdict = verifyAt(embedReceipts(statement, [await receiptAt(insideValidity)]));
    expect(verdict.verified).toBe(true);
    expect(verdict.statement?.receipts).toEqual([expect.objectContaining({ service: service.iss, entryId: '4.1207' })]);
    expect(verdict.checks.find((check) => check.name === 'key-validity')?.reason).toContain('registration time');
  });

  it('fails a statement registered after its certificate expired', async () => {
    const verdict = verifyAt(embedReceipts(statement, [await receiptAt(afterExpiry)]));
    expect(outcomes(verdict)).toMatchObject({ receipts: 'pass', 'key-validity': 'fail' });
  });

  it('fails on a flipped bit in the receipt signature, and only the receipts check fails', async () => {
    const receipt = await receiptAt(insideValidity);
    const verdict = verifyWhileValid(embedReceipts(statement, [flip(receipt, receipt.length - 1)]));
    expect(outcomes(verdict).receipts).toBe('fail');
    expect(Object.entries(outcomes(verdict)).filter(([, outcome]) => outcome === 'fail').map(([name]) => name)).toEqual(['receipts']);
  });

  it.each<[string, (proof: CcfInclusionProof) => CcfInclusionProof]>([
    ['a path hash', (proof) => ({ ...proof, path: proof.path.map((element, i) => (i === 0 ? { ...element, hash: flip(element.hash, 3) } : element)) })],
    ['a left/right flag', (proof) => ({ ...proof, path: proof.path.map((element, i) => (i === 0 ? { ...element, left: !element.left } : element)) })],
    ['the evidence text', (proof) => ({ ...proof, leaf: { ...proof.leaf, internalEvidence: proof.leaf.internalEvidence.replace('1207', '1208') } })],
    ['the internal transaction hash', (proof) => ({ ...proof, leaf: { ...proof.leaf, internalTransactionHash: flip(proof.leaf.internalTransactionHash, 0) } })],
  ])('fails on a change to %s of the proof, and only the receipts check fails', async (_what, change) => {
    const receipt = await receiptAt(insideValidity);
    const message = decodeSign1(receipt);
    const altered = encodeCcfReceipt({ protectedBytes: message.protectedBytes, proofs: readCcfInclusionProofs(receipt).map(change), signature: message.signature });
    const verdict = verifyWhileValid(embedReceipts(statement, [altered]));
    expect(Object.entries(outcomes(verdict)).filter(([, outcome]) => outcome === 'fail').map(([name]) => name)).toEqual(['receipts']);
  });

  it('fails on a flipped bit in the payload (artifact digest and issuer signature fail; the receipt no longer binds)', async () => {
    const transparent = embedReceipts(statement, [await receiptAt(insideValidity)]);
    const message = decodeSign1(transparent);
    const payloadAt = transparent.length - message.signature.length - 2 - 3;
    const verdict = verifyWhileValid(flip(transparent, payloadAt));
    expect(outcomes(verdict)).toMatchObject({ 'artifact-digest': 'fail', 'statement-signature': 'fail', receipts: 'fail', issuer: 'pass' });
  });

  it('fails on a flipped bit in the issuer signature', async () => {
    const transparent = embedReceipts(statement, [await receiptAt(insideValidity)]);
    const verdict = verifyWhileValid(flip(transparent, transparent.length - 5));
    expect(outcomes(verdict)).toMatchObject({ 'statement-signature': 'fail', receipts: 'fail', 'artifact-digest': 'pass' });
  });

  it('still passes with an extra unprotected header label (it is not part of what was logged)', async () => {
    const transparent = embedReceipts(statement, [await receiptAt(insideValidity)]);
    const message = decodeSign1(transparent);
    const extra = new Map(message.unprotectedHeader);
    extra.set(-70000, 'added later');
    expect(verifyAt(encodeSign1({ ...message, unprotectedHeader: extra })).verified).toBe(true);
  });

  it('fails by default when a second receipt does not verify', async () => {
    const good = await receiptAt(insideValidity);
    const other = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: chain.did, subject: 'other', x5chain: chain.chain }, LocalSigner.from(signingKey.privateKey));
    const forAnother = await receiptAt(insideValidity, other);
    const verdict = verifyAt(embedReceipts(statement, [good, forAnother]));
    expect(outcomes(verdict).receipts).toBe('fail');
    expect(verdict.checks.find((check) => check.name === 'receipts')?.reason).toMatch(/receipt 2/);
  });

  it('fails an untagged receipt', async () => {
    const untagged = (await receiptAt(insideValidity)).subarray(1);
    const transparent = decodeSign1(statement);
    const withBare = encodeSign1({ ...transparent, unprotectedHeader: new Map([[HeaderLabel.receipts, [untagged]]]) });
    expect(outcomes(verifyAt(withBare)).receipts).toBe('fail');
  });

  it('fails a receipt from a service the policy does not list', async () => {
    const stranger = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'ES384');
    const receipt = await ccfReceipt({ signer: stranger, issuer: 'stranger.example', issuedAt: insideValidity, statement, ledger });
    const verdict = verifyAt(embedReceipts(statement, [receipt]));
    expect(verdict.checks.find((check) => check.name === 'receipts')).toMatchObject({ outcome: 'fail', reason: expect.stringContaining('stranger.example is not in the trust policy') });
  });
});
