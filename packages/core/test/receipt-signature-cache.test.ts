import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { LocalSigner, decodeSign1, encodeSign1, keyIdOf, publicJwkOf, restrictKeyToAlgorithm } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { MemoryTree } from '../src/merkle/index.js';
import {
  ReceiptSignatureCache,
  ccfReceipt,
  embedReceipts,
  inclusionReceipt,
  kidText,
  signTreeHead,
  statementLeafHash,
  verifyCcfReceipt,
  verifyInclusionReceipt,
  verifyReceipt,
  type ResolveReceiptKey,
  type SignedTreeHead,
} from '../src/receipts/index.js';
import { createSignedStatement } from '../src/statement/index.js';
import { addIssuer, addService, emptyPolicy, type TrustPolicy } from '../src/trust/index.js';
import { verifyStatement } from '../src/verify/index.js';
import { errorCode } from './error-code.js';

const sha256 = (text: string): Uint8Array => new Uint8Array(createHash('sha256').update(text).digest());

function flipByte(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index]! ^= 0x01;
  return copy;
}

const ISSUER = 'ledger.example';
const serviceKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const serviceSigner = LocalSigner.from(serviceKeys.privateKey);
const resolverFor =
  (key: KeyObject, kid = keyIdOf(serviceKeys.publicKey)): ResolveReceiptKey =>
  (kidBytes) =>
    kidText(kidBytes) === kid ? key : undefined;
const resolveKey = resolverFor(serviceKeys.publicKey);
const statementKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const statementSigner = LocalSigner.from(statementKeys.privateKey);

const statementFor = (name: string): Promise<Uint8Array> =>
  createSignedStatement({ hashAlgorithm: SHA256, digest: sha256(name), issuer: 'build-bot', subject: name, issuedAt: 1_760_000_000 }, statementSigner);

/** One batch: statements registered together, one tree head, a receipt each cut from it. */
interface Batch {
  statements: Uint8Array[];
  receipts: Uint8Array[];
  head: SignedTreeHead;
}

async function batchOf(names: string[], issuedAt = 1_760_000_100): Promise<Batch> {
  const tree = new MemoryTree();
  tree.appendEntry(sha256('an earlier entry'));
  const statements = await Promise.all(names.map(statementFor));
  const indices = statements.map((statement) => tree.append(statementLeafHash(statement)));
  const head = await signTreeHead({ root: tree.root(), issuer: ISSUER, issuedAt, signer: serviceSigner, treeSize: tree.size });
  const receipts = indices.map((leafIndex) => inclusionReceipt(head, { treeSize: tree.size, leafIndex, path: tree.inclusionProof(leafIndex) }));
  return { statements, receipts, head };
}

let batch: Batch;
beforeAll(async () => {
  batch = await batchOf(['a.tgz', 'b.tgz', 'c.tgz', 'd.tgz']);
});

/** A cache that has verified the batch's shared signature once, for statement 0. */
function warmCache(): ReceiptSignatureCache {
  const cache = new ReceiptSignatureCache();
  expect(errorCode(() => verifyInclusionReceipt(batch.receipts[0]!, batch.statements[0]!, resolveKey, { signatureCache: cache }))).toBe('ok');
  expect(cache.size).toBe(1);
  return cache;
}

describe('the receipt signature cache of a batch', () => {
  it('checks the one signature a batch shares once, and each receipt still against its own statement', () => {
    const cache = warmCache();
    batch.receipts.forEach((receipt, index) => {
      expect(verifyInclusionReceipt(receipt, batch.statements[index]!, resolveKey, { signatureCache: cache })).toMatchObject({ issuer: ISSUER, leafIndex: index + 1 });
    });
    expect(cache.hits).toBe(batch.receipts.length);
    expect(cache.size).toBe(1);
  });

  it('verifies afresh, and fails, a receipt whose root differs: another statement, or a proof changed in one byte', () => {
    const cache = warmCache();
    // Receipt 0 shown with statement 1: same header and signature, another leaf, so another root.
    expect(errorCode(() => verifyInclusionReceipt(batch.receipts[0]!, batch.statements[1]!, resolveKey, { signatureCache: cache }))).toBe('RECEIPT_BAD_SIGNATURE');
    const message = decodeSign1(batch.receipts[0]!);
    const proofs = (message.unprotectedHeader.get(396) as Map<number, Uint8Array[]>).get(-1)!;
    // The proof's last byte is in its last path hash.
    const alteredProof = encodeSign1({ ...message, unprotectedHeader: new Map([[396, new Map([[-1, [flipByte(proofs[0]!, proofs[0]!.length - 1)]]])]]) });
    expect(errorCode(() => verifyInclusionReceipt(alteredProof, batch.statements[0]!, resolveKey, { signatureCache: cache }))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(cache.hits).toBe(0);
  });

  it('verifies afresh, and fails, a receipt whose protected header differs in one byte', () => {
    const cache = warmCache();
    const message = decodeSign1(batch.receipts[1]!);
    const at = Buffer.from(message.protectedBytes).indexOf(Buffer.from(ISSUER)) + ISSUER.length - 1; // the issuer's last letter
    const altered = encodeSign1({ ...message, protectedBytes: flipByte(message.protectedBytes, at) });
    expect(errorCode(() => verifyInclusionReceipt(altered, batch.statements[1]!, resolveKey, { signatureCache: cache }))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(cache.hits).toBe(0);
  });

  it('verifies afresh, and fails, a receipt whose signature differs in one byte', () => {
    const cache = warmCache();
    const message = decodeSign1(batch.receipts[2]!);
    for (const index of [0, message.signature.length - 1]) {
      const altered = encodeSign1({ ...message, signature: flipByte(message.signature, index) });
      expect(errorCode(() => verifyInclusionReceipt(altered, batch.statements[2]!, resolveKey, { signatureCache: cache }))).toBe('RECEIPT_BAD_SIGNATURE');
    }
    expect(cache.hits).toBe(0);
  });

  it('verifies afresh, and fails, a receipt checked with another key, or the same key bytes published for another algorithm', () => {
    const cache = warmCache();
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(errorCode(() => verifyInclusionReceipt(batch.receipts[3]!, batch.statements[3]!, resolverFor(otherKey), { signatureCache: cache }))).toBe('RECEIPT_BAD_SIGNATURE');
    // The same SubjectPublicKeyInfo, imported from a JWK whose alg is ES384: it may not verify ES256.
    const sameBytesOtherAlg = restrictKeyToAlgorithm(createPublicKey({ key: { ...publicJwkOf(serviceKeys.publicKey), alg: 'ES384' }, format: 'jwk' }), 'ES384');
    expect(errorCode(() => verifyInclusionReceipt(batch.receipts[3]!, batch.statements[3]!, resolverFor(sameBytesOtherAlg), { signatureCache: cache }))).toBe('RECEIPT_KEY_MISMATCH');
    expect(cache.hits).toBe(0);
    // The same key in another object is the same check: answered from the cache.
    const sameKey = createPublicKey({ key: serviceKeys.publicKey.export({ type: 'spki', format: 'der' }), format: 'der', type: 'spki' });
    expect(errorCode(() => verifyInclusionReceipt(batch.receipts[3]!, batch.statements[3]!, resolverFor(sameKey), { signatureCache: cache }))).toBe('ok');
    expect(cache.hits).toBe(1);
  });

  it('holds at most its capacity, oldest out first, and what it let go is verified again', async () => {
    const cache = new ReceiptSignatureCache(2);
    const batches = [batch, await batchOf(['e.tgz'], 1_760_000_200), await batchOf(['f.tgz'], 1_760_000_300)];
    for (const each of batches) expect(errorCode(() => verifyInclusionReceipt(each.receipts[0]!, each.statements[0]!, resolveKey, { signatureCache: cache }))).toBe('ok');
    expect(cache.size).toBe(2);
    expect(cache.hits).toBe(0);
    expect(errorCode(() => verifyInclusionReceipt(batches[0]!.receipts[1]!, batches[0]!.statements[1]!, resolveKey, { signatureCache: cache }))).toBe('ok');
    expect(cache.hits).toBe(0); // evicted, so checked again
    expect(errorCode(() => verifyInclusionReceipt(batches[2]!.receipts[0]!, batches[2]!.statements[0]!, resolveKey, { signatureCache: cache }))).toBe('ok');
    expect(cache.hits).toBe(1);
    expect(() => new ReceiptSignatureCache(0)).toThrow(RangeError);
  });

  it('never answers a failed check: the same forged receipt fails every time', () => {
    const cache = new ReceiptSignatureCache();
    const message = decodeSign1(batch.receipts[0]!);
    const forged = encodeSign1({ ...message, signature: flipByte(message.signature, 7) });
    for (let i = 0; i < 3; i++) expect(errorCode(() => verifyInclusionReceipt(forged, batch.statements[0]!, resolveKey, { signatureCache: cache }))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(cache.size).toBe(0);
  });
});

describe('the cache with vds 2 (CCF) receipts', () => {
  const mstKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const mstSigner = LocalSigner.from(mstKeys.privateKey, 'ES384');
  const mstResolve = resolverFor(mstKeys.publicKey, keyIdOf(mstKeys.publicKey));

  it('a genuine receipt reused for another statement still fails its binding after a cached signature check', async () => {
    const statement = await statementFor('g.tgz');
    const other = await statementFor('h.tgz');
    const ledger = Array.from({ length: 5 }, (_, i) => sha256(`transaction ${i}`));
    const receipt = await ccfReceipt({ signer: mstSigner, issuer: 'mst.example', issuedAt: 1_760_000_100, statement, ledger, view: 2, seqno: 9 });
    const cache = new ReceiptSignatureCache();
    expect(errorCode(() => verifyCcfReceipt(receipt, statement, mstResolve, { signatureCache: cache }))).toBe('ok');
    expect(errorCode(() => verifyReceipt(receipt, other, mstResolve, { signatureCache: cache }))).toBe('RECEIPT_NOT_FOR_STATEMENT');
    expect(cache.hits).toBe(1);
    const message = decodeSign1(receipt);
    const forged = encodeSign1({ ...message, signature: flipByte(message.signature, 0) });
    expect(errorCode(() => verifyCcfReceipt(forged, statement, mstResolve, { signatureCache: cache }))).toBe('RECEIPT_BAD_SIGNATURE');
  });
});

describe('verifyStatement over a batch with one cache', () => {
  it('passes every artifact of the batch, and fails the one whose receipt belongs to another statement', async () => {
    let policy: TrustPolicy = addIssuer(emptyPolicy(), { iss: 'build-bot', key: statementKeys.publicKey });
    policy = addService(policy, { iss: ISSUER, jwks: { keys: [{ ...publicJwkOf(serviceKeys.publicKey), kid: keyIdOf(serviceKeys.publicKey) }] } as never });
    const names = ['a.tgz', 'b.tgz', 'c.tgz', 'd.tgz'];
    const cache = new ReceiptSignatureCache();
    const transparent = batch.statements.map((statement, index) => embedReceipts(statement, [batch.receipts[index === 2 ? 1 : index]!]));
    const verdicts = transparent.map((statement, index) =>
      verifyStatement({ statement, artifact: { algorithm: SHA256, digest: sha256(names[index]!) }, policy, receiptSignatures: cache }),
    );
    expect(verdicts.map((verdict) => verdict.verified)).toEqual([true, true, false, true]);
    expect(verdicts[2]!.checks.find((check) => check.name === 'receipts')).toMatchObject({ outcome: 'fail' });
    expect(verdicts[2]!.checks.find((check) => check.name === 'statement-signature')).toMatchObject({ outcome: 'pass' });
    expect(cache.hits).toBe(2);
  });
});
