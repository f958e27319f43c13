import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addIssuer,
  coseKeySetToJwks,
  createSignedStatement,
  decode,
  decodeSign1,
  digestBytes,
  emptyPolicy,
  encodeSign1,
  HeaderLabel,
  isCountersignError,
  jwksKeyResolver,
  LocalSigner,
  receiptsOf,
  rootAt,
  SHA256,
  signTreeHead,
  statementEntry,
  verifyReceipt,
  verifySign1,
  withEmptyUnprotectedHeader,
  type Encodable,
} from '@countersign/core';
import { problemStatus } from '../src/http/problems.js';
import { LedgerStore } from '../src/storage/ledger-store.js';
import { encodeSeal } from '../src/service/seal.js';
import { TransparencyLedger } from '../src/service/transparency-ledger.js';
import { flippedS, reencodings } from './reencodings.js';

const root = mkdtempSync(join(tmpdir(), 'countersign-ledger-registration-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `ledger-${++dirs}`);

const ISSUER = 'build-bot';
const SERVICE = 'test-ledger';
const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const issuer = LocalSigner.from(issuerKey);
const policy = addIssuer(emptyPolicy(), { iss: ISSUER, key: createPublicKey(issuerKey) });
const serviceKey = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

let subjects = 0;
function statement(): Promise<Uint8Array> {
  const subject = `artifact-${++subjects}`;
  return createSignedStatement({ hashAlgorithm: SHA256, digest: digestBytes(SHA256, Buffer.from(subject)), issuer: ISSUER, subject }, issuer);
}

/** The same signed statement with another unprotected header (written in preferred form). */
function withUnprotected(bytes: Uint8Array, entries: Array<[Encodable, Encodable]>): Uint8Array {
  const message = decodeSign1(bytes);
  return encodeSign1({ ...message, unprotectedHeader: new Map(entries) as never });
}

function openLedger(dir: string, key: LocalSigner = serviceKey): Promise<TransparencyLedger> {
  return TransparencyLedger.open({ dir, serviceKey: key, issuer: SERVICE, trust: policy, maxBatchDelayMs: 0 });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    if (isCountersignError(error)) return { code: error.code, status: problemStatus(error).status };
    throw error;
  }
  return { code: 'accepted', status: 201 };
}

/** The transparent statement served for an entry: exactly one receipt, ours, that verifies with the served key set. */
async function expectServedCorrectly(ledger: TransparencyLedger, entryId: string, signed: Uint8Array): Promise<Uint8Array> {
  const served = await ledger.transparentStatement(entryId);
  const message = decodeSign1(served);
  expect([...message.unprotectedHeader.keys()]).toEqual([HeaderLabel.receipts]);
  const receipts = receiptsOf(message);
  expect(receipts).toHaveLength(1);
  expect(receipts[0]).toEqual(await ledger.receipt(entryId));
  expect(() => verifyReceipt(receipts[0]!, served, jwksKeyResolver(coseKeySetToJwks(ledger.coseKeySet())))).not.toThrow();
  expect(withEmptyUnprotectedHeader(message)).toEqual(withEmptyUnprotectedHeader(decodeSign1(signed)));
  return served;
}

/** A well-formed receipt for this statement from another ledger, and the same with its signature spoiled. */
async function foreignReceipts(signed: Uint8Array): Promise<{ genuine: Uint8Array; fake: Uint8Array }> {
  const other = await openLedger(freshDir(), LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));
  const { receipt } = await other.register(signed);
  await other.close();
  const message = decodeSign1(receipt);
  const signature = new Uint8Array(message.signature);
  signature[0]! ^= 0xff;
  return { genuine: receipt, fake: encodeSign1({ ...message, signature }) };
}

describe('item 2: what arrives unprotected never reaches what the ledger serves', () => {
  it('refuses a first submission with junk in label 394, then serves the victim its own receipt only', async () => {
    const ledger = await openLedger(freshDir());
    const victim = await statement();
    const untaggedReceipt = (await foreignReceipts(victim)).genuine.subarray(1);
    const junk: Array<[string, Encodable, string]> = [
      ['a byte string that is no receipt', [Uint8Array.of(0x00)], 'REGISTRATION_UNPROTECTED_HEADER'],
      ['a number', [1], 'REGISTRATION_UNPROTECTED_HEADER'],
      ['an untagged receipt', [untaggedReceipt], 'REGISTRATION_UNPROTECTED_HEADER'],
      ['a COSE_Sign1 with an attached payload', [victim], 'REGISTRATION_UNPROTECTED_HEADER'],
      ['text instead of an array', 'junk', 'REGISTRATION_MALFORMED'],
    ];
    for (const [, value, code] of junk) {
      expect(await refusal(ledger.register(withUnprotected(victim, [[HeaderLabel.receipts, value]])))).toEqual({ code, status: 400 });
    }
    expect(ledger.treeSize).toBe(0);
    const { entryId } = await ledger.register(victim);
    await expectServedCorrectly(ledger, entryId, victim);
    await ledger.close();
  });

  it('refuses every other unprotected label, signed nowhere and dropped on storage', async () => {
    const ledger = await openLedger(freshDir());
    const signed = await statement();
    const labels: Array<[Encodable, Encodable]> = [
      // (a kid here would clash with the protected one: that is COSE_MALFORMED before any policy)
      [HeaderLabel.x5t, [-16, new Uint8Array(32)]],
      [HeaderLabel.x5chain, Uint8Array.of(0x30, 0x00)],
      [HeaderLabel.verifiableDataProofs, new Map()],
      ['note', 'text label'],
    ];
    for (const entry of labels) {
      expect(await refusal(ledger.register(withUnprotected(signed, [entry])))).toEqual({ code: 'REGISTRATION_UNPROTECTED_HEADER', status: 400 });
    }
    expect(ledger.treeSize).toBe(0);
    await ledger.close();
  });

  it('accepts foreign receipts (genuine or fake), stores the bare statement, and maps every form to one entry', async () => {
    const dir = freshDir();
    const ledger = await openLedger(dir);
    const signed = await statement();
    const { genuine, fake } = await foreignReceipts(signed);
    const first = await ledger.register(withUnprotected(signed, [[HeaderLabel.receipts, [fake, genuine]]]));
    expect(first.entryId).toBe('0');
    expect((await ledger.register(signed)).entryId).toBe('0');
    expect((await ledger.register(withUnprotected(signed, [[HeaderLabel.receipts, [genuine]]]))).entryId).toBe('0');
    const served = await expectServedCorrectly(ledger, '0', signed);
    expect(receiptsOf(served).some((receipt) => Buffer.from(receipt).equals(Buffer.from(fake)))).toBe(false);
    await ledger.close();
    // On disk: exactly the signed bytes, nothing the first submitter sent unprotected.
    expect(new Uint8Array(readFileSync(join(dir, 'statements.dat')))).toEqual(signed);
  });

  it('serves statements of a ledger written before statements were stored bare, with its own receipt, after restart too', async () => {
    const dir = freshDir();
    const signed = [await statement(), await statement(), await statement()];
    const { fake } = await foreignReceipts(signed[1]!);
    const stored = [
      withUnprotected(signed[0]!, [[HeaderLabel.receipts, [Uint8Array.of(0xde, 0xad)]]]),
      withUnprotected(signed[1]!, [[HeaderLabel.receipts, [fake]]]),
      withUnprotected(signed[2]!, [[HeaderLabel.receipts, 'junk'], [HeaderLabel.x5chain, Uint8Array.of(1)]]),
    ];
    // The old ledger: the store's own API, appending what the first submitter sent, sealed the way the ledger seals.
    const late: { store?: LedgerStore } = {};
    late.store = await LedgerStore.open(dir, {
      maxBatchDelayMs: 0,
      seal: async (treeSize) => {
        const issuedAt = 1_700_000_000;
        const head = await signTreeHead({ root: rootAt(treeSize, late.store!), issuer: SERVICE, issuedAt, signer: serviceKey, treeSize });
        return encodeSeal({ ...head, treeSize, issuedAt });
      },
    });
    for (const bytes of stored) await late.store.append(bytes, statementEntry(bytes));
    await late.store.close();

    const firstRun: Uint8Array[] = [];
    const ledger = await openLedger(dir);
    for (let i = 0; i < stored.length; i++) firstRun.push(await expectServedCorrectly(ledger, String(i), signed[i]!));
    expect((await ledger.register(signed[0]!)).entryId).toBe('0');
    await ledger.close();
    const reopened = await openLedger(dir);
    for (let i = 0; i < stored.length; i++) expect(await expectServedCorrectly(reopened, String(i), signed[i]!)).toEqual(firstRun[i]);
    await reopened.close();
  });
});

describe('item 11: re-encodings of one signed statement', () => {
  it('refuses every non-preferred envelope, though each decodes to the same statement and its signature verifies', async () => {
    const ledger = await openLedger(freshDir());
    const signed = await statement();
    const forms = reencodings(signed);
    expect(forms).toHaveLength(6);
    for (const [, bytes] of forms) {
      expect(bytes).not.toEqual(signed);
      const message = decodeSign1(bytes);
      expect(() => verifySign1(message, createPublicKey(issuerKey))).not.toThrow();
      expect(await refusal(ledger.register(bytes))).toEqual({ code: 'REGISTRATION_NOT_PREFERRED_ENCODING', status: 400 });
    }
    expect(ledger.treeSize).toBe(0);
    expect((await ledger.register(signed)).entryId).toBe('0');
    await ledger.close();
  });

  it('gives the (r, n - s) form of an ECDSA statement its own entry, whose receipt binds those bytes; at most two per statement', async () => {
    const ledger = await openLedger(freshDir());
    const signed = await statement();
    const flipped = flippedS(signed);
    expect(() => verifySign1(decodeSign1(flipped), createPublicKey(issuerKey))).not.toThrow();
    const original = await ledger.register(signed);
    const other = await ledger.register(flipped);
    expect(other.entryId).not.toBe(original.entryId);
    await expectServedCorrectly(ledger, other.entryId, flipped);
    expect((await ledger.register(flipped)).entryId).toBe(other.entryId);
    expect((await ledger.register(flippedS(flipped))).entryId).toBe(original.entryId);
    expect(ledger.treeSize).toBe(2);
    await ledger.close();
  });
});

describe('item 10: the COSE_Key set for every kind of service key', () => {
  const kinds: Array<[string, () => KeyObject, Record<number, unknown>]> = [
    ['ES256 (P-256)', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { 1: 2, 3: -7, [-1]: 1 }],
    ['ES384 (P-384)', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, { 1: 2, 3: -35, [-1]: 2 }],
    ['ES512 (P-521)', () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, { 1: 2, 3: -36, [-1]: 3 }],
    ['EdDSA (Ed25519)', () => generateKeyPairSync('ed25519').privateKey, { 1: 1, 3: -8, [-1]: 6 }],
    ['PS256 (RSA 2048)', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, { 1: 3, 3: -37 }],
  ];

  it.each(kinds)('%s: the served set decodes back to the service key, and receipts verify with it', async (_, makeKey, expected) => {
    const key = LocalSigner.from(makeKey());
    const ledger = await openLedger(freshDir(), key);
    const set = decode(ledger.coseKeySet()) as Array<Map<number, unknown>>;
    expect(set).toHaveLength(1);
    const coseKey = set[0]!;
    for (const [label, value] of Object.entries(expected)) expect(coseKey.get(Number(label))).toBe(value);
    const spki = (publicKey: KeyObject): Buffer => publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.from(coseKey.get(2) as Uint8Array).toString()).toBe(Buffer.from(key.keyId).toString());
    const jwks = coseKeySetToJwks(ledger.coseKeySet());
    expect(spki(createPublicKey({ key: jwks.keys[0]!, format: 'jwk' }))).toEqual(spki(await key.publicKey()));
    const signed = await statement();
    const { receipt } = await ledger.register(signed);
    expect(verifyReceipt(receipt, signed, jwksKeyResolver(jwks))).toMatchObject({ vds: 1 });
    await ledger.close();
  });
});
