import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeSign1, encodeSign1 } from '../src/cose/sign1.js';
import { keyIdOf, publicJwkOf } from '../src/cose/index.js';
import { LocalSigner } from '../src/cose/signer.js';
import { MemoryTree } from '../src/merkle/index.js';
import { jwksKeyResolver, signTreeHead, treeHeadMessage, verifyTreeHead } from '../src/receipts/index.js';
import { errorCode } from './error-code.js';

describe('a receipt signature verified once per batch', () => {
  it('remembers only what verified, by its exact bytes: a tampered signature or root still fails after the genuine one passed', async () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const publicKey = createPublicKey(privateKey);
    const resolve = jwksKeyResolver({ keys: [{ ...publicJwkOf(publicKey), kid: keyIdOf(publicKey) }] });
    const tree = new MemoryTree();
    tree.appendEntry(new Uint8Array(32));
    const head = treeHeadMessage(await signTreeHead({ root: tree.root(), issuer: 'ledger.example', signer: LocalSigner.from(privateKey), treeSize: 1 }));
    const message = decodeSign1(head);
    const badSignature = Uint8Array.from(message.signature);
    badSignature[10] = (badSignature[10] as number) ^ 1;
    const otherRoot = Uint8Array.from(message.payload as Uint8Array);
    otherRoot[0] = (otherRoot[0] as number) ^ 1;
    for (let round = 0; round < 2; round++) {
      expect(errorCode(() => verifyTreeHead(head, resolve))).toBe('ok');
      expect(errorCode(() => verifyTreeHead(encodeSign1({ ...message, signature: badSignature }), resolve))).toBe('RECEIPT_BAD_SIGNATURE');
      expect(errorCode(() => verifyTreeHead(encodeSign1({ ...message, payload: otherRoot }), resolve))).toBe('RECEIPT_BAD_SIGNATURE');
    }
  });
});
