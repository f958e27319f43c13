import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addIssuer,
  coseKeySetToJwks,
  createSignedStatement,
  decode,
  digestBytes,
  emptyPolicy,
  jwksKeyResolver,
  LocalSigner,
  SHA256,
  verifyReceipt,
} from '@countersign/core';
import { TransparencyLedger } from '../src/service/transparency-ledger.js';

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

function openLedger(dir: string, key: LocalSigner = serviceKey): Promise<TransparencyLedger> {
  return TransparencyLedger.open({ dir, serviceKey: key, issuer: SERVICE, trust: policy, maxBatchDelayMs: 0 });
}

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
