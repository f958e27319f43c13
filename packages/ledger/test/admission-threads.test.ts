// Statements admitted on threads are judged exactly as those admitted in place: the same stored
// bytes and entry, or the same refusal code. The threads run the built worker (npm run build).
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  addIssuer,
  createSignedStatement,
  decodeSign1,
  digestBytes,
  emptyPolicy,
  encodeSign1,
  HeaderLabel,
  isCountersignError,
  LocalSigner,
  SHA256,
  type RegistrationPolicy,
} from '@countersign/core';
import { admitForLedger, type Admitted } from '../src/service/admission.js';
import { AdmissionThreads } from '../src/service/admission-threads.js';
import { reencodings } from './reencodings.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'service', 'admission-worker.js');

const ISSUER = 'build-bot';
const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const stranger = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const policy: RegistrationPolicy = { maxStatementBytes: 4096, trust: addIssuer(emptyPolicy(), { iss: ISSUER, key: createPublicKey(issuerKey) }) };
const NOW = new Date();

function statement(subject: string, signer = LocalSigner.from(issuerKey), issuer = ISSUER): Promise<Uint8Array> {
  return createSignedStatement({ hashAlgorithm: SHA256, digest: digestBytes(SHA256, Buffer.from(subject)), issuer, subject }, signer);
}

async function outcome(admission: Promise<Admitted> | (() => Admitted)): Promise<{ code: string } | { bytes: string; entry: string }> {
  try {
    const { bytes, entry } = await (typeof admission === 'function' ? admission() : admission);
    return { bytes: Buffer.from(bytes).toString('hex'), entry: Buffer.from(entry).toString('hex') };
  } catch (error) {
    if (isCountersignError(error)) return { code: error.code };
    throw error;
  }
}

describe('AdmissionThreads', () => {
  let threads: AdmissionThreads;
  beforeAll(() => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` before these tests`);
    threads = new AdmissionThreads(policy, 2, pathToFileURL(WORKER));
  });
  afterAll(() => threads.close());

  it('admits overlapping statements on threads with the same result as in place, refusals included', async () => {
    const good = await Promise.all(Array.from({ length: 40 }, (_, i) => statement(`artifact-${i}`)));
    const signedByStranger = await statement('stolen', stranger);
    const untrusted = await statement('other', stranger, 'someone-else');
    const badSignature = new Uint8Array(good[0]!);
    badSignature[badSignature.length - 1]! ^= 0x01;
    const message = decodeSign1(good[1]!);
    const withJunk = encodeSign1({ ...message, unprotectedHeader: new Map([[HeaderLabel.x5chain, Uint8Array.of(1)]]) as never });
    const withReceipts = encodeSign1({ ...message, unprotectedHeader: new Map([[HeaderLabel.receipts, []]]) as never });
    const inputs = [
      ...good,
      signedByStranger,
      untrusted,
      badSignature,
      withJunk,
      withReceipts,
      ...reencodings(good[2]!).slice(0, 2).map(([, bytes]) => bytes),
      new Uint8Array(5000),
      Uint8Array.of(0xd2, 0x84),
    ];
    const inPlace = await Promise.all(inputs.map((input) => outcome(() => admitForLedger(input, policy, NOW))));
    const onThreads = await Promise.all(inputs.map((input) => outcome(threads.admit(input, NOW, true))));
    expect(onThreads).toEqual(inPlace);
    const codes = inPlace.map((result) => ('code' in result ? result.code : 'admitted'));
    expect(codes.slice(0, 40)).toEqual(Array(40).fill('admitted'));
    expect(codes.slice(40)).toEqual([
      'REGISTRATION_UNTRUSTED', // the issuer's name, another key
      'REGISTRATION_UNTRUSTED',
      'REGISTRATION_BAD_SIGNATURE',
      'REGISTRATION_UNPROTECTED_HEADER',
      'admitted',
      'REGISTRATION_NOT_PREFERRED_ENCODING',
      'REGISTRATION_NOT_PREFERRED_ENCODING',
      'REGISTRATION_TOO_LARGE',
      'REGISTRATION_MALFORMED',
    ]);
    // Stored without the unprotected header: the same bytes and entry as the bare statement.
    expect(onThreads[44]).toEqual(onThreads[1]);
  });

  it('admits a lone registration in place and falls back to it without a worker file', async () => {
    const single = await statement('alone');
    expect(await outcome(threads.admit(single, NOW, false))).toEqual(await outcome(() => admitForLedger(single, policy, NOW)));
    const without = new AdmissionThreads(policy, 2, undefined);
    expect(await outcome(without.admit(single, NOW, true))).toEqual(await outcome(() => admitForLedger(single, policy, NOW)));
    await without.close();
  });
});
