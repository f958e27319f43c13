import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CborTag, decode, encode, type CborMap, type CborValue, type Encodable } from '../src/cbor/index.js';
import { LocalSigner, algorithmByName, decodeSign1, encodeSign1, keyIdOf, sigStructure } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { MemoryTree } from '../src/merkle/index.js';
import { verifyReceipt } from '../src/receipts/any-vds.js';
import { ccfReceipt, ccfReceiptProtectedHeader, encodeCcfReceipt } from '../src/receipts/ccf-build.js';
import { verifyCcfReceipt, verifyCcfReceiptForEntry } from '../src/receipts/ccf-verify.js';
import {
  VDS_CCF_LEDGER_SHA256,
  ccfEntryId,
  ccfLeafHash,
  ccfRootFromProof,
  decodeCcfInclusionProof,
  readCcfInclusionProofs,
  type CcfInclusionProof,
} from '../src/receipts/ccf.js';
import { embedReceipts, inclusionReceipt, kidText, signTreeHead, statementEntry, statementLeafHash, type ResolveReceiptKey } from '../src/receipts/index.js';
import { createSignedStatement } from '../src/statement/index.js';
import { errorCode } from './error-code.js';

const sha256 = (...parts: (Uint8Array | string)[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

function flip(bytes: Uint8Array, bit = 5): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

/** A resolver that knows one key: by kid (hex SPKI hash, as text) and, when given, by issuer. */
const resolverFor =
  (key: KeyObject, issuer?: string): ResolveReceiptKey =>
  (kid, iss) =>
    kidText(kid) === keyIdOf(key) && (issuer === undefined || iss === issuer) ? key : undefined;

// ---------------------------------------------------------------------------------------------
// Real receipts. Their bytes are reassembled here from the decoded fields published by Microsoft;
// the service's ES384 signature verifying over the reassembled protected header and the recomputed
// root is what shows both are byte-exact.
// ---------------------------------------------------------------------------------------------

/**
 * A production Microsoft Signing Transparency receipt (issuer esrp-cts-db.confidential-ledger.azure.com,
 * registration 458.12440, signed 2025-12-22). Source of the facts: the decoded receipt of
 * e2e/test_files/cose/uvm-details-transparent-statement.cose in microsoft/Azure-Ledger-Explorer
 * (packages/ledger-parser/src/__tests__/cbor-utils.spec.ts); the same transparent statement is
 * microsoft/scitt-ccf-ledger test/transparent_statements/uvm_0.2.10.cose.
 */
const ESRP_RECEIPT = fromHex(
  'd28458aea50138220458406461373639346631366465663561303536636139366166623231653839613934353065346363383735653264653335316461373664393935343461336538343919018b020fa3061a6949b400017829' +
    '657372702d6374732d64622e636f6e666964656e7469616c2d6c65646765722e617a7572652e636f6d027673636974742e6363662e7369676e61747572652e7631666363662e7631a16474786964693435382e3132343431a1' +
    '19018ca1208159014ca2018358204f6d256624f31df6055daaaefa163151f3bb67a13d91b6fd1b9d6267c7f7e374784d63653a3435382e31323434303a38353865306136646237383763353233616339343065363430613738' +
    '31656663643036333561356532326264663138366434366163656632393735396634633158' +
    '20a60138fb1591fe6c433b41128b0349cf3636bce74fc8c2e7140bc13b74612649028582f55820dcca11d1f7ce42c6ad444b4f0a0dce80b124e4d9a47682482af97217aa3ef83182f5582012fb1e0f8338dc879bb9116d02cca2' +
    '98720c6e6176cda541a397a478631e1f4b82f55820d46352a126444db8020cf2228069f82ee62adab33b846e0191c87bb899cd0d1682f55820d5d733f6382f6eb01156411ea596b9a046d261e7bc31effe80b7c588264d1fa282f5' +
    '58203c408c50424c65137e89dbaaf0d4fc6edc0f8b65c076fb308bd046fe7f259d39f6586044e2022692f30acce3c2c9ad73bb75e828d37ca26cfd15ceca873b055aeb8375078f0bc830e87cb7a6876eb2d6ea10b20909b92255' +
    '0c8972fcaa35e64a1fd60696f59a7f8d20806f928d67db2e9815831cd43888d5d150e2e5c962ab3bedfbcb',
);
/**
 * The esrp-cts-db service key (P-384 SPKI): the key of the serviceCertificate entries of
 * microsoft/scitt-ccf-ledger test/transparent_statements/esrp-cts-db.json valid from 2025-09 to
 * 2026-04 (the one valid 2025-11-17 to 2026-02-15 covers the receipt's iat).
 */
const ESRP_KEY = createPublicKey({
  key: Buffer.from('MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEGeQ/qA3ZxYoaan3D0nA7xriMcmiMqQ0UNY1DLs7C5kIEaI/RL/2duRcG1Ii6g+8+uKiRr4UU8aXumcA8wu6LOatH0qL2AjFy3/8iBx3mbt1foS5xNHlXchMMLTSCvRLn', 'base64'),
  format: 'der',
  type: 'spki',
});
const ESRP_ISSUER = 'esrp-cts-db.confidential-ledger.azure.com';
/** The leaf's data hash: SHA-256 of uvm_0.2.10.cose with its unprotected header emptied (that statement is not reproduced here). */
const ESRP_DATA_HASH = fromHex('a60138fb1591fe6c433b41128b0349cf3636bce74fc8c2e7140bc13b74612649');

/**
 * The receipt of the Azure SDKs' receipt-verification tests, from a Microsoft test ledger that writes
 * iss "" and sub "": Azure/azure-sdk-for-net sdk/confidentialledger/Azure.Security.CodeTransparency/tests/TestFiles/receipt.cose
 * (also Azure/azure-sdk-for-python sdk/confidentialledger/azure-codetransparency/tests/test_files/receipt.cose),
 * decoded in the same microsoft/Azure-Ledger-Explorer spec (mst-raw-receipt.cose). Those tests pair it
 * with a statement it was not issued for (they expect a digest mismatch), so only its signature is checked here.
 */
const SDK_RECEIPT = fromHex(
  'd284586aa50138220458403837643634363639663163353938386532386632326461346633353236333334646538363061643233393561373161373335646535396639656333616136363219018b020fa3061a67dab3b40160026066' +
    '6363662e7631a1647478696465382e313939a119018ca12081590124a201835820b972a6f534a4a48c7f6c0d32af0150485917b692b9dddd56259f76274f0ed7c0784963653a382e3139383a623733353661363233613863626263316331653939333534' +
    '37356465336239616565646161303131613334393139663934343538323663363236316661386239582079bd066b62d71d851c7b76b6e9798abac6445d50ab88f732a0c59960cf8a2781028482f55820e961e197441eaf5373876558a8d94c9ab6d89d99' +
    '8c6471900201d6fc0edd84c082f55820aafe743cb362c2cffb25ee98ec107b190a5a3e9224c997c0314b4f685a59da3d82f558206923d96bed98b9ca06653650d71e57ac85f3c8d1c45e8c2064a0c6e6256ec54382f55820928675dc9876569545b7ef31' +
    'e9c843e95f68a20a9aca6c03da94a22ac04455f0f65860e08f083ff9979977583f6351029e21477f51d1c6539f5c7f6ca1b64bcbe93f4882b3beee1edf8d1eb971d3934c17048c8ad1c6e6c2a505b2507690216660dd18d094ba7bd8b0a27ac58a48f4f1' +
    'be148b4588d45c7fe619d93ac5cc27175f5c1f',
);
/** Its service key, the JWK with kid 87d64669... in the same Azure SDK tests (CcfReceiptVerifierTests.cs, test_receipt_verification.py). */
const SDK_KEY = createPublicKey({
  key: { kty: 'EC', crv: 'P-384', x: '9y7Zs09nKjYQHdJ7oAsxftOvSK9RfGWJM3p0_5XXyBuvkUs-kN-YB-EQCCuB_Hsw', y: 'teV4Jkd2zphYJa2gPSm5HEjuvEM9MNu3e5E7z1L_0s0GWKaEqmHpAiXBtLGHC5-A' },
  format: 'jwk',
});

describe('real Microsoft receipts (vds 2)', () => {
  it('the production receipt verifies with the service key its kid names (kid = hex SHA-256 of the SPKI)', () => {
    expect(keyIdOf(ESRP_KEY)).toBe('da7694f16def5a056ca96afb21e89a9450e4cc875e2de351da76d99544a3e849');
    const verified = verifyCcfReceiptForEntry(ESRP_RECEIPT, ESRP_DATA_HASH, resolverFor(ESRP_KEY, ESRP_ISSUER));
    expect(verified).toEqual({
      issuer: ESRP_ISSUER,
      kid: 'da7694f16def5a056ca96afb21e89a9450e4cc875e2de351da76d99544a3e849',
      issuedAt: 1_766_437_888,
      algorithm: 'ES384',
      entryId: '458.12440',
      signatureTransaction: '458.12441',
      root: fromHex('9a9b439497b18eed7d5a1f3177c3206cb221e12e46e6f66bac935c62053b0466'),
      dataHash: ESRP_DATA_HASH,
    });
  });

  it('its proof is {1: leaf, 2: path} with every sibling on the left (the registration is the last leaf the signature covers)', () => {
    const [proof, ...more] = readCcfInclusionProofs(ESRP_RECEIPT);
    expect(more).toHaveLength(0);
    expect(proof!.leaf.internalEvidence).toBe('ce:458.12440:858e0a6db787c523ac940e640a781efcd0635a5e22bdf186d46acef29759f4c1');
    expect(proof!.path.map((element) => element.left)).toEqual([true, true, true, true, true]);
    expect(hex(ccfRootFromProof(proof!))).toBe('9a9b439497b18eed7d5a1f3177c3206cb221e12e46e6f66bac935c62053b0466');
  });

  it('the builder writes its protected header byte for byte: alg, kid, 395, 15 {6 iat, 1 iss, 2 sub}, "ccf.v1" {txid}', () => {
    const message = decodeSign1(ESRP_RECEIPT);
    const header = ccfReceiptProtectedHeader({
      algorithm: algorithmByName('ES384'),
      keyId: new TextEncoder().encode(keyIdOf(ESRP_KEY)),
      issuer: ESRP_ISSUER,
      issuedAt: 1_766_437_888,
      signatureTransaction: '458.12441',
    });
    expect(hex(header)).toBe(hex(message.protectedBytes));
    expect([...message.protectedHeader.keys()]).toEqual([1, 4, 395, 15, 'ccf.v1']);
    expect([...(message.protectedHeader.get(15) as CborMap).keys()]).toEqual([6, 1, 2]);
    // and the unprotected part and the whole receipt re-encode to the same bytes
    const again = encodeCcfReceipt({ protectedBytes: message.protectedBytes, proofs: readCcfInclusionProofs(ESRP_RECEIPT), signature: message.signature });
    expect(hex(again)).toBe(hex(ESRP_RECEIPT));
  });

  it('for another statement it is RECEIPT_NOT_FOR_STATEMENT (its signature still verifies); altered it is RECEIPT_BAD_SIGNATURE', async () => {
    const other = await createSignedStatement(
      { hashAlgorithm: SHA256, digest: sha256('x'), issuer: 'did:example:x', subject: 'x' },
      LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    );
    const resolveKey = resolverFor(ESRP_KEY, ESRP_ISSUER);
    expect(errorCode(() => verifyCcfReceipt(ESRP_RECEIPT, other, resolveKey))).toBe('RECEIPT_NOT_FOR_STATEMENT');
    const message = decodeSign1(ESRP_RECEIPT);
    expect(errorCode(() => verifyCcfReceiptForEntry(encodeSign1({ ...message, signature: flip(message.signature, 300) }), ESRP_DATA_HASH, resolveKey))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(errorCode(() => verifyCcfReceiptForEntry(ESRP_RECEIPT, ESRP_DATA_HASH, resolverFor(ESRP_KEY, 'another.example')))).toBe('RECEIPT_UNKNOWN_KEY');
  });

  it("the Azure SDKs' test receipt verifies too; its empty iss counts as no issuer", () => {
    expect(keyIdOf(SDK_KEY)).toBe('87d64669f1c5988e28f22da4f3526334de860ad2395a71a735de59f9ec3aa662');
    const [proof] = readCcfInclusionProofs(SDK_RECEIPT);
    const seen: (string | undefined)[] = [];
    const verified = verifyCcfReceiptForEntry(SDK_RECEIPT, proof!.leaf.dataHash, (kid, issuer) => {
      seen.push(issuer);
      return resolverFor(SDK_KEY)(kid, issuer);
    });
    expect(seen).toEqual([undefined]);
    expect(verified).toMatchObject({ issuer: undefined, issuedAt: 1_742_386_100, algorithm: 'ES384', entryId: '8.198', signatureTransaction: '8.199' });
    expect(hex(verified.root)).toBe('4b7167f943cbdba095a80dfc1a1e95cde6b6d0897bff80a4144dc4db68976302');
    const header = ccfReceiptProtectedHeader({
      algorithm: algorithmByName('ES384'),
      keyId: new TextEncoder().encode(keyIdOf(SDK_KEY)),
      issuer: '',
      subject: '',
      issuedAt: 1_742_386_100,
      signatureTransaction: '8.199',
    });
    expect(hex(header)).toBe(hex(decodeSign1(SDK_RECEIPT).protectedBytes));
  });

  it('the dispatcher takes both as vds 2', async () => {
    const other = await createSignedStatement(
      { hashAlgorithm: SHA256, digest: sha256('y'), issuer: 'did:example:y', subject: 'y' },
      LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    );
    expect(errorCode(() => verifyReceipt(ESRP_RECEIPT, other, resolverFor(ESRP_KEY, ESRP_ISSUER)))).toBe('RECEIPT_NOT_FOR_STATEMENT');
    expect(errorCode(() => verifyReceipt(SDK_RECEIPT, other, resolverFor(SDK_KEY)))).toBe('RECEIPT_NOT_FOR_STATEMENT');
  });
});

describe('CCF leaf, path and evidence', () => {
  it('the leaf hash is SHA-256(tx hash || SHA-256(evidence) || data hash), a path step SHA-256 of the pair in order, no prefixes', () => {
    const leaf = { internalTransactionHash: sha256('tx'), internalEvidence: 'ce:2.7:' + 'ab'.repeat(32), dataHash: sha256('data') };
    const acc = sha256(leaf.internalTransactionHash, sha256(leaf.internalEvidence), leaf.dataHash);
    expect(hex(ccfLeafHash(leaf))).toBe(hex(acc));
    const [a, b] = [sha256('a'), sha256('b')];
    const root = ccfRootFromProof({ leaf, path: [{ left: true, hash: a }, { left: false, hash: b }] });
    expect(hex(root)).toBe(hex(sha256(sha256(a, acc), b)));
  });

  it('the entry id is <view>.<seqno> of ce:<view>.<seqno>:<64 hex>, and nothing for other forms', () => {
    expect(ccfEntryId('ce:458.12440:858e0a6db787c523ac940e640a781efcd0635a5e22bdf186d46acef29759f4c1')).toBe('458.12440');
    expect(ccfEntryId('ce:0.1:' + '0'.repeat(64))).toBe('0.1');
    for (const other of ['ce:2.643', 'ce:2.643:abc', 'ce:2.643:' + 'A'.repeat(64), 'ce:02.643:' + '0'.repeat(64), 'xx:2.643:' + '0'.repeat(64), 'ce:2.643:' + '0'.repeat(64) + '\n']) {
      expect(ccfEntryId(other)).toBeUndefined();
    }
  });
});

describe('vds 2 receipts built and verified (ES384, P-384 service key)', () => {
  const serviceKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const signer = LocalSigner.from(serviceKeys.privateKey, 'ES384');
  const kid = keyIdOf(serviceKeys.publicKey);
  const ISSUER = 'mst.example.confidential-ledger.azure.com';
  const resolveKey = resolverFor(serviceKeys.publicKey, ISSUER);
  const ledger = Array.from({ length: 11 }, (_, i) => sha256(`other transaction ${i}`));
  const statementSigner = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  let statement: Uint8Array;
  let receipt: Uint8Array;

  const statementFor = (name: string): Promise<Uint8Array> =>
    createSignedStatement({ hashAlgorithm: SHA256, digest: sha256(name), issuer: 'did:example:builder', subject: `pkg:npm/${name}@1.0.0`, issuedAt: 1_760_000_000 }, statementSigner);

  beforeAll(async () => {
    statement = await statementFor('artifact');
    receipt = await ccfReceipt({ signer, issuer: ISSUER, issuedAt: 1_760_000_100, statement, ledger, view: 3, seqno: 40 });
  });

  const verify = (bytes: Uint8Array, forStatement = statement, resolve = resolveKey): string => errorCode(() => verifyCcfReceipt(bytes, forStatement, resolve));

  /** The receipt with its one proof replaced (the original signature kept). */
  const withProof = (change: (proof: CcfInclusionProof) => CcfInclusionProof, bytes = receipt): Uint8Array => {
    const message = decodeSign1(bytes);
    return encodeCcfReceipt({ protectedBytes: message.protectedBytes, proofs: readCcfInclusionProofs(bytes).map(change), signature: message.signature });
  };
  /** The receipt with 396 replaced by anything (the original signature kept). */
  const withVdp = (vdp: CborValue): Uint8Array => encodeSign1({ ...decodeSign1(receipt), unprotectedHeader: new Map<CborValue, CborValue>([[396, vdp]]) });
  const withProofItems = (...items: CborValue[]): Uint8Array => withVdp(new Map<CborValue, CborValue>([[-1, items]]));
  const rawProof = (leaf: CborValue, path: CborValue, extra: [CborValue, CborValue][] = []): Uint8Array =>
    encode(new Map<Encodable, Encodable>([[1, leaf as Encodable], [2, path as Encodable], ...(extra as [Encodable, Encodable][])]));

  it('round trip at every position in the ledger', async () => {
    for (const position of [0, 1, 5, 10, 11]) {
      const bytes = await ccfReceipt({ signer, issuer: ISSUER, issuedAt: 1_760_000_100 + position, statement, ledger, position, view: 3, seqno: 30 + position });
      const verified = verifyCcfReceipt(bytes, statement, resolveKey);
      expect(verified).toEqual({
        issuer: ISSUER,
        kid,
        issuedAt: 1_760_000_100 + position,
        algorithm: 'ES384',
        entryId: `3.${30 + position}`,
        signatureTransaction: `3.${30 + position + (ledger.length - position) + 1}`,
        root: ccfRootFromProof(readCcfInclusionProofs(bytes)[0]!),
        dataHash: statementEntry(statement),
      });
      // the leaf hash sits among the ledger's other leaves: siblings on the left exactly when it is not first
      const { path } = readCcfInclusionProofs(bytes)[0]!;
      expect(path.some((element) => element.left)).toBe(position > 0);
      if (position === ledger.length) expect(path.every((element) => element.left)).toBe(true);
    }
  });

  it("writes Microsoft's layout: tag 18, protected {1: -35, 4: hex SPKI hash, 395: 2, 15: {6, 1, 2}, 'ccf.v1'}, nil payload, 396 {-1: [bstr]}", () => {
    expect(receipt[0]).toBe(0xd2);
    const message = decodeSign1(receipt);
    expect(message.payload).toBeNull();
    expect(message.signature).toHaveLength(96);
    expect([...message.protectedHeader.keys()]).toEqual([1, 4, 395, 15, 'ccf.v1']);
    expect(message.protectedHeader.get(1)).toBe(-35);
    expect(Buffer.from(message.protectedHeader.get(4) as Uint8Array).toString('latin1')).toBe(kid);
    expect(message.protectedHeader.get(15)).toEqual(
      new Map<CborValue, CborValue>([
        [6, 1_760_000_100],
        [1, ISSUER],
        [2, 'scitt.ccf.signature.v1'],
      ]),
    );
    expect(message.protectedHeader.get('ccf.v1')).toEqual(new Map([['txid', '3.41']]));
    const proofs = (message.unprotectedHeader.get(396) as CborMap).get(-1) as Uint8Array[];
    expect(proofs).toHaveLength(1);
    const proof = decode(proofs[0]!) as CborMap;
    expect([...proof.keys()]).toEqual([1, 2]);
    const leaf = proof.get(1) as CborValue[];
    expect(leaf[1]).toMatch(/^ce:3\.40:[0-9a-f]{64}$/);
    expect(hex(leaf[2] as Uint8Array)).toBe(hex(statementEntry(statement)));
  });

  it('each check fails alone with its own code', () => {
    expect(verify(receipt)).toBe('ok');
    const message = decodeSign1(receipt);
    // the receipt's signature
    expect(verify(encodeSign1({ ...message, signature: flip(message.signature, 200) }))).toBe('RECEIPT_BAD_SIGNATURE');
    // a path hash, a left/right flag
    expect(verify(withProof((p) => ({ ...p, path: p.path.map((e, i) => (i === 1 ? { ...e, hash: flip(e.hash) } : e)) })))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(verify(withProof((p) => ({ ...p, path: p.path.map((e, i) => (i === 0 ? { ...e, left: !e.left } : e)) })))).toBe('RECEIPT_BAD_SIGNATURE');
    // the evidence text (one bit: '0' <-> '1' stays valid UTF-8 and keeps the ce: form), the internal transaction hash
    const flipEvidence = (text: string): string => text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) ^ 1);
    expect(verify(withProof((p) => ({ ...p, leaf: { ...p.leaf, internalEvidence: flipEvidence(p.leaf.internalEvidence) } })))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(verify(withProof((p) => ({ ...p, leaf: { ...p.leaf, internalTransactionHash: flip(p.leaf.internalTransactionHash) } })))).toBe('RECEIPT_BAD_SIGNATURE');
    // a data hash changed in the receipt is caught by the signature, not reported as another statement
    expect(verify(withProof((p) => ({ ...p, leaf: { ...p.leaf, dataHash: flip(p.leaf.dataHash) } })))).toBe('RECEIPT_BAD_SIGNATURE');
    // the statement's payload: the genuine receipt is for another statement
    const signed = decodeSign1(statement);
    const altered = encodeSign1({ ...signed, payload: flip(signed.payload!) });
    expect(verify(receipt, altered)).toBe('RECEIPT_NOT_FOR_STATEMENT');
    expect(() => verifyCcfReceipt(receipt, altered, resolveKey)).toThrow(/is for another statement/);
    // untagged, unknown kid, another key of the right type, a key of another type
    expect(verify(receipt.subarray(1))).toBe('RECEIPT_UNTAGGED');
    expect(verify(receipt, statement, () => undefined)).toBe('RECEIPT_UNKNOWN_KEY');
    expect(verify(receipt, statement, resolverFor(serviceKeys.publicKey, 'other.example'))).toBe('RECEIPT_UNKNOWN_KEY');
    expect(verify(receipt, statement, () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)).toBe('RECEIPT_BAD_SIGNATURE');
    expect(verify(receipt, statement, () => generateKeyPairSync('ed25519').publicKey)).toBe('RECEIPT_KEY_MISMATCH');
  });

  it('the statement may carry any unprotected header: the data hash is over it emptied', async () => {
    const signed = decodeSign1(statement);
    const extra = encodeSign1({ ...signed, unprotectedHeader: new Map<CborValue, CborValue>([[-70_000, 'anything'], [33, new Uint8Array(3)]]) });
    expect(verify(receipt, extra)).toBe('ok');
    // the transparent statement (the receipt embedded in 394) verifies too, and so does one with a second receipt
    const transparent = embedReceipts(statement, [receipt]);
    expect(verify(receipt, transparent)).toBe('ok');
    const second = await ccfReceipt({ signer, issuer: ISSUER, statement: transparent, ledger: ledger.slice(0, 3) });
    expect(verify(second, embedReceipts(transparent, [second]))).toBe('ok');
    expect(verify(second, statement)).toBe('ok');
  });

  it('headers: vds, alg, crit, payload, claims, kid', async () => {
    const root = ccfRootFromProof(readCcfInclusionProofs(receipt)[0]!);
    const good = decode(decodeSign1(receipt).protectedBytes) as Map<Encodable, Encodable>;
    const craft = async (changes: [Encodable, Encodable | undefined][], payload: Uint8Array | null = null): Promise<Uint8Array> => {
      const header = new Map(good);
      for (const [label, value] of changes) {
        if (value === undefined) header.delete(label);
        else header.set(label, value);
      }
      const protectedBytes = encode(header);
      const signature = await signer.sign(sigStructure(protectedBytes, root));
      return encodeSign1({ ...decodeSign1(receipt), protectedBytes, payload, signature });
    };
    expect(verify(await craft([]))).toBe('ok');
    expect(verify(await craft([[395, 3]]))).toBe('RECEIPT_UNSUPPORTED_VDS');
    expect(verify(await craft([[395, 1]]))).toBe('RECEIPT_UNSUPPORTED_VDS');
    expect(verify(await craft([[395, undefined]]))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[1, undefined]]))).toBe('RECEIPT_UNSUPPORTED_ALGORITHM');
    expect(verify(await craft([[1, -65535]]))).toBe('RECEIPT_UNSUPPORTED_ALGORITHM');
    expect(verify(await craft([[2, [395]]]))).toBe('ok');
    expect(verify(await craft([[2, [-70_000]], [-70_000, 1]]))).toBe('RECEIPT_UNKNOWN_CRITICAL_HEADER');
    expect(verify(await craft([], root))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[4, undefined]]))).toBe('RECEIPT_UNKNOWN_KEY');
    expect(verify(await craft([[4, 'text kid']]))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[15, 'claims']]))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[15, new Map<Encodable, Encodable>([[1, 7]])]]))).toBe('RECEIPT_MALFORMED');
    expect(verify(await craft([[15, new Map<Encodable, Encodable>([[1, ISSUER], [6, 'yesterday']])]]))).toBe('RECEIPT_MALFORMED');
    const tagged = verifyCcfReceipt(await craft([[15, new Map<Encodable, Encodable>([[1, ISSUER], [6, new CborTag(1, 1_760_000_200)]])]]), statement, resolveKey);
    expect(tagged.issuedAt).toBe(1_760_000_200);
    // without CWT claims there is no issuer: the resolver is asked without one
    expect(verify(await craft([[15, undefined]]))).toBe('RECEIPT_UNKNOWN_KEY');
    expect(verify(await craft([[15, undefined]]), statement, resolverFor(serviceKeys.publicKey))).toBe('ok');
    // ccf.v1 is informative: without it there is no signature transaction
    const bare = verifyCcfReceipt(await craft([['ccf.v1', undefined]]), statement, resolveKey);
    expect(bare.signatureTransaction).toBeUndefined();
    expect(bare.entryId).toBe('3.40');
  });

  it('proofs: strict shapes, sizes and keys', async () => {
    const [proof] = readCcfInclusionProofs(receipt);
    const leaf = [proof!.leaf.internalTransactionHash, proof!.leaf.internalEvidence, proof!.leaf.dataHash];
    const path = proof!.path.map((e) => [e.left, e.hash]);
    expect(verify(withProofItems(rawProof(leaf, path)))).toBe('ok');
    // two copies of the proof are one root; proofs of two roots cannot share one signature
    expect(verify(withProofItems(rawProof(leaf, path), rawProof(leaf, path)))).toBe('ok');
    const other = readCcfInclusionProofs(await ccfReceipt({ signer, issuer: ISSUER, statement, ledger: ledger.slice(0, 2) }))[0]!;
    expect(verify(withProofItems(rawProof(leaf, path), encode(new Map<Encodable, Encodable>([[1, [other.leaf.internalTransactionHash, other.leaf.internalEvidence, other.leaf.dataHash]], [2, other.path.map((e) => [e.left, e.hash])]]))))).toBe('RECEIPT_BAD_PROOF');

    const malformed: [string, Uint8Array][] = [
      ['no 396', encodeSign1({ ...decodeSign1(receipt), unprotectedHeader: new Map() })],
      ['396 not a map', withVdp([1])],
      ['no -1', withVdp(new Map<CborValue, CborValue>([[-2, [rawProof(leaf, path)]]]))],
      ['no proofs', withProofItems()],
      ['17 proofs', withProofItems(...Array.from({ length: 17 }, () => rawProof(leaf, path)))],
      ['not bstr-wrapped', withProofItems(decode(rawProof(leaf, path)))],
      ['not CBOR', withProofItems(Uint8Array.of(0xff, 0x00))],
      ['trailing bytes', withProofItems(Uint8Array.from([...rawProof(leaf, path), 0x00]))],
      ['an array', withProofItems(encode([leaf as Encodable, path as Encodable]))],
      ['unknown key 3', withProofItems(rawProof(leaf, path, [[3, 0]]))],
      ['no path', withProofItems(encode(new Map<Encodable, Encodable>([[1, leaf as Encodable]])))],
      ['no leaf', withProofItems(encode(new Map<Encodable, Encodable>([[2, path as Encodable]])))],
      ['leaf of 2', withProofItems(rawProof(leaf.slice(0, 2), path))],
      ['leaf as bstr', withProofItems(rawProof(encode(leaf as Encodable), path))],
      ['31-byte tx hash', withProofItems(rawProof([proof!.leaf.internalTransactionHash.subarray(1), leaf[1]!, leaf[2]!], path))],
      ['33-byte data hash', withProofItems(rawProof([leaf[0]!, leaf[1]!, Uint8Array.from([...proof!.leaf.dataHash, 0])], path))],
      ['evidence as bytes', withProofItems(rawProof([leaf[0]!, new TextEncoder().encode(proof!.leaf.internalEvidence), leaf[2]!], path))],
      ['empty evidence', withProofItems(rawProof([leaf[0]!, '', leaf[2]!], path))],
      ['1025-byte evidence', withProofItems(rawProof([leaf[0]!, 'e'.repeat(1025), leaf[2]!], path))],
      ['empty path', withProofItems(rawProof(leaf, []))],
      ['65 steps', withProofItems(rawProof(leaf, Array.from({ length: 65 }, () => path[0]!)))],
      ['left as 1', withProofItems(rawProof(leaf, path.map((e) => [e[0] ? 1 : 0, e[1]!])))],
      ['step of 3', withProofItems(rawProof(leaf, [[true, path[0]![1]!, 0], ...path.slice(1)]))],
      ['31-byte sibling', withProofItems(rawProof(leaf, [[true, (path[0]![1] as Uint8Array).subarray(1)], ...path.slice(1)]))],
    ];
    for (const [what, bytes] of malformed) expect([what, verify(bytes)]).toEqual([what, 'RECEIPT_MALFORMED']);
    // a 1024-byte evidence is still in bounds (the signature then fails, as the leaf changed)
    expect(verify(withProofItems(rawProof([leaf[0]!, 'e'.repeat(1024), leaf[2]!], path)))).toBe('RECEIPT_BAD_SIGNATURE');
    expect(() => decodeCcfInclusionProof(rawProof(leaf, path, [[3, 0]]))).toThrow(/only 1 \(leaf\) and 2 \(path\)/);
  });

  it('evidence of another form still verifies, without an entry id', async () => {
    const message = decodeSign1(receipt);
    const [proof] = readCcfInclusionProofs(receipt);
    const changed = { ...proof!, leaf: { ...proof!.leaf, internalEvidence: 'opaque evidence' } };
    const signature = await signer.sign(sigStructure(message.protectedBytes, ccfRootFromProof(changed)));
    const verified = verifyCcfReceipt(encodeCcfReceipt({ protectedBytes: message.protectedBytes, proofs: [changed], signature }), statement, resolveKey);
    expect(verified.entryId).toBeUndefined();
    expect('entryId' in verified).toBe(false);
  });

  it('the builder refuses what it cannot express', async () => {
    await expect(ccfReceipt({ signer, issuer: ISSUER, statement })).rejects.toMatchObject({ code: 'RECEIPT_MALFORMED' });
    await expect(ccfReceipt({ signer, issuer: ISSUER, statement, ledger, position: 12 })).rejects.toMatchObject({ code: 'RECEIPT_MALFORMED' });
    await expect(ccfReceipt({ signer, issuer: ISSUER, statement, ledger: [new Uint8Array(31)] })).rejects.toMatchObject({ code: 'RECEIPT_MALFORMED' });
    await expect(ccfReceipt({ signer, issuer: ISSUER, statement, ledger, issuedAt: 1.5 })).rejects.toMatchObject({ code: 'RECEIPT_MALFORMED' });
  });

  describe('verifyReceipt dispatches on vds', () => {
    it('vds 1 to the RFC 9162 verifier, vds 2 to the CCF verifier, anything else is unsupported', async () => {
      const tree = new MemoryTree();
      tree.appendEntry(sha256('someone else'));
      const index = tree.append(statementLeafHash(statement));
      const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const ledgerSigner = LocalSigner.from(p256.privateKey);
      const head = await signTreeHead({ root: tree.root(), issuer: 'ledger.example', issuedAt: 1_760_000_300, signer: ledgerSigner, treeSize: tree.size });
      const vds1 = inclusionReceipt(head, { treeSize: tree.size, leafIndex: index, path: tree.inclusionProof(index) });
      const either: ResolveReceiptKey = (kidBytes, issuer) => resolverFor(p256.publicKey, 'ledger.example')(kidBytes, issuer) ?? resolveKey(kidBytes, issuer);

      expect(verifyReceipt(vds1, statement, either)).toMatchObject({ vds: 1, issuer: 'ledger.example', treeSize: 2, leafIndex: 1, algorithm: 'ES256' });
      expect(verifyReceipt(receipt, statement, either)).toMatchObject({ vds: 2, issuer: ISSUER, entryId: '3.40', algorithm: 'ES384' });
      const transparent = embedReceipts(statement, [vds1, receipt]);
      expect(verifyReceipt(vds1, transparent, either).vds).toBe(1);
      expect(verifyReceipt(receipt, transparent, either).vds).toBe(VDS_CCF_LEDGER_SHA256);

      const root = ccfRootFromProof(readCcfInclusionProofs(receipt)[0]!);
      const header = decode(decodeSign1(receipt).protectedBytes) as Map<Encodable, Encodable>;
      const withVds = async (vds: Encodable | undefined): Promise<Uint8Array> => {
        const changed = new Map(header);
        if (vds === undefined) changed.delete(395);
        else changed.set(395, vds);
        const protectedBytes = encode(changed);
        return encodeSign1({ ...decodeSign1(receipt), protectedBytes, signature: await signer.sign(sigStructure(protectedBytes, root)) });
      };
      const dispatch = (bytes: Uint8Array, forStatement = statement): string => errorCode(() => verifyReceipt(bytes, forStatement, either));
      expect(dispatch(await withVds(2))).toBe('ok');
      expect(dispatch(await withVds(3))).toBe('RECEIPT_UNSUPPORTED_VDS');
      expect(dispatch(await withVds(-1))).toBe('RECEIPT_UNSUPPORTED_VDS');
      expect(dispatch(await withVds('2'))).toBe('RECEIPT_UNSUPPORTED_VDS');
      expect(dispatch(await withVds(undefined))).toBe('RECEIPT_MALFORMED');
      expect(dispatch(receipt.subarray(1))).toBe('RECEIPT_UNTAGGED');
      expect(dispatch(vds1.subarray(1))).toBe('RECEIPT_UNTAGGED');
      // each structure's own failures come through unchanged
      const other = await statementFor('another artifact');
      expect(dispatch(vds1, other)).toBe('RECEIPT_BAD_SIGNATURE');
      expect(dispatch(receipt, other)).toBe('RECEIPT_NOT_FOR_STATEMENT');
      expect(same(statementEntry(transparent), statementEntry(statement))).toBe(true);
    });
  });
});
