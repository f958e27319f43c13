import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CborTag, decode, encode, type CborMap, type CborValue, type Encodable } from '../src/cbor/index.js';
import { HeaderLabel, LocalSigner, decodeSign1, encodeSign1, keyIdOf, sigStructure, signSign1, type Signer } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { MemoryTree, leafHash, rootFromInclusionProof, verifyConsistency } from '../src/merkle/index.js';
import {
  TREE_SIZE_LABEL,
  treeHeadMessage,
  verifyTreeHead,
  ReceiptError,
  consistencyReceipt,
  embedReceipts,
  inclusionReceipt,
  kidText,
  readConsistencyProofs,
  readInclusionProofs,
  readReceiptSummary,
  receiptsOf,
  signTreeHead,
  statementEntry,
  statementLeafHash,
  verifyConsistencyReceipt,
  verifyInclusionReceipt,
  verifyInclusionReceiptForEntry,
  type ResolveReceiptKey,
  type SignedTreeHead,
} from '../src/receipts/index.js';
import { createSignedStatement, parseSignedStatement, verifyStatementSignature } from '../src/statement/index.js';
import { describeWithVectors, readVector } from './vectors.js';

const sha256 = (data: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** The ReceiptError code `fn` throws, or 'ok'; any other error fails the test. */
function receiptCode(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof ReceiptError) return error.code;
    throw error;
  }
}

function flip(bytes: Uint8Array, bit = 5): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

const anyP256Key = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

describeWithVectors('cose-receipts-draft vectors (vds 1)', () => {
  const inclusion = readVector('cose-receipts-draft', 'inclusion-receipt.cbor');
  const consistency = readVector('cose-receipts-draft', 'consistency-receipt.cbor');
  // Entries are SHA-256("statement-i"); the Merkle leaf is SHA-256(0x00 || entry).
  const entries = [0, 1, 2, 3, 4].map((i) => sha256(`statement-${i}`));
  const tree = new MemoryTree();
  entries.forEach((entry) => tree.appendEntry(entry));
  const ROOT_5 = '895731b5a570ea1967dd7804b5f43146175f9ac87d1565985de3ecf09c98589c';

  it('reads the headers without verifying', () => {
    expect(readReceiptSummary(inclusion)).toEqual({
      tagged: true,
      algorithm: 'ES256',
      vds: 1,
      issuer: 'https://transparency-service.example.com',
      kid: 'test-key-1',
      issuedAt: undefined,
    });
  });

  it('the inclusion proof (leaf 3 of 5) leads the entry SHA-256("statement-3") to the published root', () => {
    const [proof, ...more] = readInclusionProofs(inclusion);
    expect(more).toHaveLength(0);
    expect(proof).toMatchObject({ treeSize: 5, leafIndex: 3 });
    expect(hex(rootFromInclusionProof(3, 5, leafHash(entries[3]!), proof!.path))).toBe(ROOT_5);
    // the leaf input is the 32-byte entry itself, not a hash of it
    expect(hex(rootFromInclusionProof(3, 5, leafHash(sha256(entries[3]!)), proof!.path))).not.toBe(ROOT_5);
    // and the proof is exactly the one countersign generates for that tree
    expect(hex(tree.root())).toBe(ROOT_5);
    expect(proof!.path.map(hex)).toEqual(tree.inclusionProof(3).map(hex));
  });

  it('the consistency proof 3 -> 5 verifies from the old root 688928db...de3c', () => {
    const [proof] = readConsistencyProofs(consistency);
    expect(proof).toMatchObject({ size1: 3, size2: 5 });
    const root3 = tree.root(3);
    expect(hex(root3)).toBe('688928db5e565af2fb9b29db5cce83de0e0352a0f0c671b450b9dc86bed2de3c');
    verifyConsistency(3, 5, proof!.path, root3, tree.root());
    expect(proof!.path.map(hex)).toEqual(tree.consistencyProof(3).map(hex));
  });

  it('their signatures cannot be checked (the key was thrown away): the Merkle part passes, the signature fails', () => {
    const seen: [string, string | undefined][] = [];
    const resolveKey: ResolveReceiptKey = (kid, issuer) => {
      seen.push([kidText(kid), issuer]);
      return anyP256Key();
    };
    expect(receiptCode(() => verifyInclusionReceiptForEntry(inclusion, entries[3]!, resolveKey))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(seen).toEqual([['test-key-1', 'https://transparency-service.example.com']]);
    expect(receiptCode(() => verifyInclusionReceiptForEntry(inclusion, entries[3]!, () => undefined))).toBe('RECEIPT_UNKNOWN_KEY');
    expect(receiptCode(() => verifyConsistencyReceipt(consistency, tree.root(3), resolveKey))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(receiptCode(() => verifyConsistencyReceipt(consistency, tree.root(2), resolveKey))).toBe('RECEIPT_BAD_PROOF');
    // an inclusion receipt holds no consistency proof, and the other way round
    expect(receiptCode(() => verifyConsistencyReceipt(inclusion, tree.root(3), resolveKey))).toBe('RECEIPT_MALFORMED');
    expect(receiptCode(() => verifyInclusionReceiptForEntry(consistency, entries[3]!, resolveKey))).toBe('RECEIPT_MALFORMED');
  });
});

interface Service {
  signer: LocalSigner;
  publicKey: KeyObject;
  resolveKey: ResolveReceiptKey;
}

function serviceWith(curve: 'P-256' | 'P-384', algorithm: 'ES256' | 'ES384'): Service {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const signer = LocalSigner.from(privateKey, algorithm);
  const kid = keyIdOf(publicKey);
  const resolveKey: ResolveReceiptKey = (kidBytes, issuer) => (kidText(kidBytes) === kid && issuer === 'ledger.example' ? publicKey : undefined);
  return { signer, publicKey, resolveKey };
}

/** A receipt assembled by hand, so tests can put anything in its headers and still sign it properly. */
async function craftReceipt(options: {
  signer: Signer;
  root: Uint8Array;
  protectedHeader: Map<Encodable, Encodable>;
  unprotectedHeader: Map<CborValue, CborValue>;
  payload?: Uint8Array | null;
}): Promise<Uint8Array> {
  const protectedBytes = encode(options.protectedHeader);
  const signature = await options.signer.sign(sigStructure(protectedBytes, options.root));
  return encodeSign1({ protectedBytes, unprotectedHeader: options.unprotectedHeader as CborMap, payload: options.payload ?? null, signature });
}

const vdp = (key: number, items: CborValue[]): Map<CborValue, CborValue> => new Map<CborValue, CborValue>([[HeaderLabel.verifiableDataProofs, new Map<CborValue, CborValue>([[key, items]])]]);

describe.each([
  ['ES256', 'P-256'],
  ['ES384', 'P-384'],
] as const)('vds 1 receipts signed with %s', (algorithm, curve) => {
  const statementKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const statementSigner = LocalSigner.from(statementKeys.privateKey);
  const service = serviceWith(curve, algorithm);
  const tree = new MemoryTree();
  const statements: Uint8Array[] = [];
  const indices: number[] = [];
  let head: SignedTreeHead;
  let receipts: Uint8Array[];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) tree.appendEntry(sha256(`earlier entry ${i}`));
    for (let i = 0; i < 6; i++) {
      const statement = await createSignedStatement(
        { hashAlgorithm: SHA256, digest: sha256(`artifact ${i}`), issuer: 'did:example:builder', subject: `pkg:npm/example@1.0.${i}`, issuedAt: 1_760_000_000 + i },
        statementSigner,
      );
      statements.push(statement);
      indices.push(tree.append(statementLeafHash(statement)));
    }
    head = await signTreeHead({ root: tree.root(), issuer: 'ledger.example', issuedAt: 1_760_000_100, signer: service.signer });
    receipts = statements.map((_, i) => inclusionReceipt(head, { treeSize: tree.size, leafIndex: indices[i]!, path: tree.inclusionProof(indices[i]!) }));
  });

  it('every receipt of the batch verifies, and all share the one tree-head signature', () => {
    receipts.forEach((receipt, i) => {
      const verified = verifyInclusionReceipt(receipt, statements[i]!, service.resolveKey);
      expect(verified).toEqual({
        issuer: 'ledger.example',
        kid: keyIdOf(service.publicKey),
        issuedAt: 1_760_000_100,
        algorithm,
        treeSize: 9,
        leafIndex: indices[i],
        root: head.root,
      });
      const message = decodeSign1(receipt);
      expect(message.tagged).toBe(true);
      expect(message.payload).toBeNull();
      expect(same(message.signature, head.signature)).toBe(true);
      expect(same(message.protectedBytes, head.protectedBytes)).toBe(true);
    });
  });

  it('writes the protected header DESIGN.md asks for: alg, kid = hex SPKI hash, vds 1, CWT iss and iat', () => {
    const header = decode(head.protectedBytes) as CborMap;
    expect([...header.keys()]).toEqual([1, 4, 15, 395]);
    expect(header.get(1)).toBe(algorithm === 'ES256' ? -7 : -35);
    expect(Buffer.from(header.get(4) as Uint8Array).toString()).toBe(keyIdOf(service.publicKey));
    expect(header.get(395)).toBe(1);
    expect(header.get(15)).toEqual(new Map<number, CborValue>([[1, 'ledger.example'], [6, 1_760_000_100]]));
    const proofs = (decodeSign1(receipts[0]!).unprotectedHeader.get(396) as CborMap).get(-1) as Uint8Array[];
    expect(proofs).toHaveLength(1);
    expect(decode(proofs[0]!)).toEqual([9, indices[0], tree.inclusionProof(indices[0]!)]);
    expect(readReceiptSummary(receipts[0]!)).toEqual({ tagged: true, algorithm, vds: 1, issuer: 'ledger.example', kid: keyIdOf(service.publicKey), issuedAt: 1_760_000_100 });
  });

  it('each kind of damage gets its own code', async () => {
    const receipt = receipts[1]!;
    const statement = statements[1]!;
    const index = indices[1]!;
    const path = tree.inclusionProof(index);
    const verify = (bytes: Uint8Array, forStatement = statement, resolveKey = service.resolveKey): string =>
      receiptCode(() => verifyInclusionReceipt(bytes, forStatement, resolveKey));
    const message = decodeSign1(receipt);

    expect(verify(receipt)).toBe('ok');
    expect(verify(encodeSign1({ ...message, signature: flip(message.signature, 100) }))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(verify(inclusionReceipt(head, { treeSize: 9, leafIndex: index, path: path.map((hash, i) => (i === 1 ? flip(hash) : hash)) }))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(verify(receipt, statements[2]!)).toBe('RECEIPT_BAD_SIGNATURE');
    expect(() => verifyInclusionReceipt(receipt, statements[2]!, service.resolveKey)).toThrow(/another statement, or it was altered/);
    expect(verify(receipt.subarray(1))).toBe('RECEIPT_UNTAGGED');
    expect(verify(receipt, statement, () => undefined)).toBe('RECEIPT_UNKNOWN_KEY');
    expect(verify(receipt, statement, () => serviceWith(curve, algorithm).publicKey)).toBe('RECEIPT_BAD_SIGNATURE');
    // each ECDSA algorithm takes its own curve: a key on another curve, or of another type, cannot serve at all
    const otherCurve = generateKeyPairSync('ec', { namedCurve: curve === 'P-256' ? 'P-384' : 'P-256' }).publicKey;
    expect(verify(receipt, statement, () => otherCurve)).toBe('RECEIPT_KEY_MISMATCH');
    expect(verify(receipt, statement, () => generateKeyPairSync('ed25519').publicKey)).toBe('RECEIPT_KEY_MISMATCH');

    // a wrong leaf index: with the same path shape it leads to another root; with another shape the proof is the wrong length
    const proofWith = (leafIndex: number, treeSize = 9, hashes = path): Uint8Array =>
      encodeSign1({ ...message, unprotectedHeader: vdp(-1, [encode([treeSize, leafIndex, hashes])]) as CborMap });
    expect(verify(proofWith(index))).toBe('ok');
    expect(verify(proofWith(index ^ 1))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(verify(proofWith(8))).toBe('RECEIPT_BAD_PROOF');
    expect(verify(proofWith(9))).toBe('RECEIPT_BAD_PROOF');
    expect(verify(proofWith(index, 9, path.slice(1)))).toBe('RECEIPT_BAD_PROOF');
    expect(verify(proofWith(index, 9, [path[0]!.subarray(1), ...path.slice(1)]))).toBe('RECEIPT_MALFORMED');
    expect(verify(proofWith(index, 2 ** 60))).toBe('RECEIPT_MALFORMED');
    expect(verify(encodeSign1({ ...message, unprotectedHeader: vdp(-1, [encode([9, index, path]), encode([9, index, path])]) as CborMap }))).toBe('ok');
    expect(verify(encodeSign1({ ...message, unprotectedHeader: vdp(-1, [encode([9, index, path]), encode([9, index ^ 1, path])]) as CborMap }))).toBe('RECEIPT_BAD_PROOF');
    expect(verify(encodeSign1({ ...message, unprotectedHeader: vdp(-1, [[9, index, path]]) as CborMap }))).toBe('RECEIPT_MALFORMED');
    expect(verify(encodeSign1({ ...message, unprotectedHeader: vdp(-1, []) as CborMap }))).toBe('RECEIPT_MALFORMED');
    expect(verify(encodeSign1({ ...message, unprotectedHeader: new Map() }))).toBe('RECEIPT_MALFORMED');
    expect(verify(encodeSign1({ ...message, payload: head.root }))).toBe('RECEIPT_MALFORMED');
    expect(verify(Uint8Array.of(0xd2, 0x84, 0x40))).toBe('RECEIPT_MALFORMED');
    expect(verify(new TextEncoder().encode('not a receipt'))).toBe('RECEIPT_MALFORMED');

    // headers: each signed properly, so only the header itself is wrong
    const good = decode(head.protectedBytes) as Map<Encodable, Encodable>;
    const craft = (changes: [number, Encodable | undefined][]): Promise<Uint8Array> => {
      const header = new Map(good);
      for (const [label, value] of changes) {
        if (value === undefined) header.delete(label);
        else header.set(label, value);
      }
      return craftReceipt({ signer: service.signer, root: head.root, protectedHeader: header, unprotectedHeader: vdp(-1, [encode([9, index, path])]) });
    };
    expect(verify(await craft([]))).toBe('ok');
    expect(verify(await craft([[395, 2]]))).toBe('RECEIPT_UNSUPPORTED_VDS');
    expect(verify(await craft([[395, undefined]]))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[1, undefined]]))).toBe('RECEIPT_UNSUPPORTED_ALGORITHM');
    expect(verify(await craft([[1, -65535]]))).toBe('RECEIPT_UNSUPPORTED_ALGORITHM');
    expect(verify(await craft([[2, [395]]]))).toBe('ok');
    expect(verify(await craft([[2, [-70000]], [-70000, 1]]))).toBe('RECEIPT_UNKNOWN_CRITICAL_HEADER');
    expect(verify(await craft([[4, undefined]]))).toBe('RECEIPT_UNKNOWN_KEY');
    expect(verify(await craft([[4, 'text kid']]))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[15, new Map([[1, 'other.example']])]]))).toBe('RECEIPT_UNKNOWN_KEY');
    expect(verify(await craft([[15, new Map<number, Encodable>([[1, 'ledger.example'], [6, 'yesterday']])]]))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[15, new Map<number, Encodable>([[1, 'ledger.example'], [6, new CborTag(1, 1_760_000_100)]])]]))).toBe('ok');
  });

  it('a consistency receipt proves the tree extends an earlier one', async () => {
    const size1 = 4;
    const receipt = consistencyReceipt(head, { size1, size2: tree.size, path: tree.consistencyProof(size1) });
    expect(verifyConsistencyReceipt(receipt, tree.root(size1), service.resolveKey)).toEqual({
      issuer: 'ledger.example',
      kid: keyIdOf(service.publicKey),
      issuedAt: 1_760_000_100,
      algorithm,
      size1,
      size2: 9,
      root2: head.root,
    });
    // size1 = 4 is a power of two, so root1 is the proof's seed (RFC 9162 2.1.4.2): a wrong one shows only at the signature
    expect(receiptCode(() => verifyConsistencyReceipt(receipt, tree.root(5), service.resolveKey))).toBe('RECEIPT_BAD_SIGNATURE');
    // otherwise the proof itself rebuilds root1, and a wrong one is caught there
    const from5 = consistencyReceipt(head, { size1: 5, size2: 9, path: tree.consistencyProof(5) });
    expect(verifyConsistencyReceipt(from5, tree.root(5), service.resolveKey).size1).toBe(5);
    expect(receiptCode(() => verifyConsistencyReceipt(from5, tree.root(6), service.resolveKey))).toBe('RECEIPT_BAD_PROOF');
    const message = decodeSign1(receipt);
    expect(receiptCode(() => verifyConsistencyReceipt(encodeSign1({ ...message, signature: flip(message.signature) }), tree.root(size1), service.resolveKey))).toBe(
      'RECEIPT_BAD_SIGNATURE',
    );
    // a head over another root: the proof is sound, the signature is not over where it leads
    const older = await signTreeHead({ root: tree.root(8), issuer: 'ledger.example', signer: service.signer });
    const mismatched = consistencyReceipt(older, { size1, size2: 9, path: tree.consistencyProof(size1) });
    expect(receiptCode(() => verifyConsistencyReceipt(mismatched, tree.root(size1), service.resolveKey))).toBe('RECEIPT_BAD_SIGNATURE');
  });

  it('builders refuse proofs of the wrong shape', () => {
    const path = tree.inclusionProof(2);
    expect(() => inclusionReceipt(head, { treeSize: 9, leafIndex: 2, path: path.slice(1) })).toThrow(/expected/);
    expect(() => inclusionReceipt(head, { treeSize: 9, leafIndex: 9, path })).toThrow(/not below/);
    expect(() => consistencyReceipt(head, { size1: 0, size2: 9, path })).toThrow(/empty tree/);
  });

  it('embedding keeps the statement signature and the log entry, and merges receipts', () => {
    const statement = statements[0]!;
    const transparent = embedReceipts(statement, [receipts[0]!]);
    const parsed = parseSignedStatement(transparent);
    verifyStatementSignature(parsed, statementKeys.publicKey);
    expect(parsed.receipts.map(hex)).toEqual([hex(receipts[0]!)]);
    expect(receiptsOf(transparent).map(hex)).toEqual([hex(receipts[0]!)]);
    expect(hex(statementEntry(transparent))).toBe(hex(statementEntry(statement)));
    expect(verifyInclusionReceipt(receipts[0]!, transparent, service.resolveKey).leafIndex).toBe(indices[0]);

    const before = decodeSign1(statement);
    const after = decodeSign1(transparent);
    expect(same(after.protectedBytes, before.protectedBytes)).toBe(true);
    expect(same(after.payload!, before.payload!)).toBe(true);
    expect(same(after.signature, before.signature)).toBe(true);
    expect(same(transparent.subarray(0, after.unprotectedSpan[0]), statement.subarray(0, before.unprotectedSpan[0]))).toBe(true);
    expect(same(transparent.subarray(after.unprotectedSpan[1]), statement.subarray(before.unprotectedSpan[1]))).toBe(true);
    expect((after.unprotectedHeader.get(394) as CborValue[]).every((item) => item instanceof Uint8Array)).toBe(true);

    // byte-equal receipts count once, whether already there or given twice
    const again = embedReceipts(transparent, [receipts[0]!, receipts[3]!, receipts[3]!]);
    expect(receiptsOf(again).map(hex)).toEqual([hex(receipts[0]!), hex(receipts[3]!)]);
    expect(hex(statementEntry(again))).toBe(hex(statementEntry(statement)));
    expect(same(embedReceipts(again, [receipts[3]!]), again)).toBe(true);
  });

  it('embedding keeps other unprotected entries byte for byte, reads bare receipts, and writes bstr', async () => {
    const bare = decode(receipts[2]!); // tag 18 around the array: a receipt not wrapped in a bstr
    expect(bare).toBeInstanceOf(CborTag);
    const header = new Map<Encodable, Encodable>([
      [HeaderLabel.cwtClaims, new Map<number, Encodable>([[1, 'did:example:builder'], [2, 'pkg:npm/x@1']])],
      [HeaderLabel.payloadHashAlg, -16],
      [HeaderLabel.kid, statementSigner.keyId],
    ]);
    const unprotected = new Map<Encodable, Encodable>([
      [-70000, 'an unprotected extension'],
      [HeaderLabel.receipts, [bare as Encodable]],
      [1000, new Uint8Array(3)],
    ]);
    const statement = (await signSign1({ protectedHeader: header, unprotectedHeader: unprotected, payload: sha256('x') }, statementSigner)).encoded;
    expect(receiptsOf(statement).map(hex)).toEqual([hex(receipts[2]!)]);

    const transparent = embedReceipts(statement, [receipts[4]!]);
    const after = decodeSign1(transparent);
    expect([...after.unprotectedHeader.keys()]).toEqual([HeaderLabel.receipts, 1000, -70000]);
    expect(after.unprotectedHeader.get(-70000)).toBe('an unprotected extension');
    expect((after.unprotectedHeader.get(394) as CborValue[]).map((item) => hex(item as Uint8Array))).toEqual([hex(receipts[2]!), hex(receipts[4]!)]);
    verifyStatementSignature(parseSignedStatement(transparent), statementKeys.publicKey);
    expect(hex(statementEntry(transparent))).toBe(hex(statementEntry(statement)));

    // an untagged statement stays untagged, its entry still unchanged
    const untagged = statements[5]!.subarray(1);
    const embedded = embedReceipts(untagged, [receipts[5]!]);
    expect(decodeSign1(embedded).tagged).toBe(false);
    expect(hex(statementEntry(embedded))).toBe(hex(statementEntry(untagged)));

    expect(receiptCode(() => embedReceipts(statement, [receipts[4]!.subarray(1)]))).toBe('RECEIPT_UNTAGGED');
    expect(receiptCode(() => embedReceipts(statement, [Uint8Array.of(1, 2, 3)]))).toBe('RECEIPT_MALFORMED');
  });
});

describe('tree heads', () => {
  it('refuse a root that is not 32 bytes, an empty issuer or a fractional iat', async () => {
    const signer = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    await expect(signTreeHead({ root: new Uint8Array(31), issuer: 'x', signer })).rejects.toThrow(/32/);
    await expect(signTreeHead({ root: new Uint8Array(32), issuer: '', signer })).rejects.toThrow(/issuer/);
    await expect(signTreeHead({ root: new Uint8Array(32), issuer: 'x', issuedAt: 1.5, signer })).rejects.toThrow(/iat/);
    const head = await signTreeHead({ root: new Uint8Array(32), issuer: 'x', signer });
    expect((decode(head.protectedBytes) as CborMap).get(15)).toEqual(new Map([[1, 'x']]));
  });
});

describe('signed tree sizes', () => {
  it('bind an inclusion receipt to the size its signature was made for', async () => {
    const service = serviceWith('P-256', 'ES256');
    const tree = new MemoryTree();
    const statementSigner = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const statement = await createSignedStatement({ hashAlgorithm: SHA256, digest: sha256('sized'), issuer: 'i', subject: 's' }, statementSigner);
    const index = tree.append(statementLeafHash(statement));
    for (let i = 0; i < 4; i++) tree.appendEntry(sha256(`later ${i}`));
    const head = await signTreeHead({ root: tree.root(), issuer: 'ledger.example', signer: service.signer, treeSize: tree.size });
    expect((decode(head.protectedBytes) as CborMap).get(TREE_SIZE_LABEL)).toBe(5);
    const path = tree.inclusionProof(index);
    const receipt = inclusionReceipt(head, { treeSize: 5, leafIndex: index, path });
    expect(verifyInclusionReceipt(receipt, statement, service.resolveKey).treeSize).toBe(5);
    // The same hashes prove leaf 0 of 5 and leaf 0 of 6 alike: only the signed size tells them apart.
    const lying = inclusionReceipt(head, { treeSize: 6, leafIndex: index, path });
    expect(receiptCode(() => verifyInclusionReceipt(lying, statement, service.resolveKey))).toBe('RECEIPT_BAD_PROOF');
    const unsized = await signTreeHead({ root: tree.root(), issuer: 'ledger.example', signer: service.signer });
    expect(verifyInclusionReceipt(inclusionReceipt(unsized, { treeSize: 6, leafIndex: index, path }), statement, service.resolveKey).treeSize).toBe(6);
    await expect(signTreeHead({ root: tree.root(), issuer: 'x', signer: service.signer, treeSize: 0 })).rejects.toThrow(/tree size/);
  });
});

describe('signed tree heads on their own', () => {
  it('carry the root and the signed size, and verify with the service key', async () => {
    const service = serviceWith('P-256', 'ES256');
    const tree = new MemoryTree();
    for (let i = 0; i < 9; i++) tree.appendEntry(sha256(`e${i}`));
    const head = await signTreeHead({ root: tree.root(), issuer: 'ledger.example', issuedAt: 1_800_000_000, signer: service.signer, treeSize: 9 });
    const bytes = treeHeadMessage(head);
    expect(verifyTreeHead(bytes, service.resolveKey)).toMatchObject({ treeSize: 9, issuer: 'ledger.example', issuedAt: 1_800_000_000 });
    expect(Buffer.from(verifyTreeHead(bytes, service.resolveKey).root).equals(Buffer.from(tree.root()))).toBe(true);
    const message = decodeSign1(bytes);
    const otherRoot = encodeSign1({ ...message, payload: tree.root(8) });
    expect(receiptCode(() => verifyTreeHead(otherRoot, service.resolveKey))).toBe('RECEIPT_BAD_SIGNATURE');
    const unsized = treeHeadMessage(await signTreeHead({ root: tree.root(), issuer: 'ledger.example', signer: service.signer }));
    expect(receiptCode(() => verifyTreeHead(unsized, service.resolveKey))).toBe('RECEIPT_MALFORMED');
  });
});
