/**
 * Statements countersign makes, checked by code that is not countersign's: cbor2 decodes them and
 * rebuilds the Sig_structure, @noble/curves checks ECDSA and Ed25519 signatures, WebCrypto checks
 * RSASSA-PSS. Then single-bit damage anywhere must make countersign's own verification fail.
 */
import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { decode as cbor2Decode, encode as cbor2Encode, Tag } from 'cbor2';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encode } from '../src/cbor/index.js';
import { LocalSigner, sigStructure, type SignatureAlgorithmName } from '../src/cose/index.js';
import { SHA256, SHA384, SHA512, digestBytes, type HashAlgorithm } from '../src/digest/hash-algorithms.js';
import { createSignedStatement, type StatementToSign } from '../src/statement/index.js';
import { addIssuer, emptyPolicy, type TrustPolicy } from '../src/trust/index.js';
import { verifyStatement } from '../src/verify/index.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromBase64url = (text: string | undefined): Uint8Array => Uint8Array.from(Buffer.from(text ?? '', 'base64url'));
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

const ISSUER = 'https://issuer.example/countersign';
const SUBJECT = 'pkg:npm/%40example/widget@1.2.3';
const ISSUED_AT = 1_760_000_000;
/** A short issuer keeps the statement that has every bit flipped small. */
const SMALL_ISSUER = 'i';

interface KeyCase {
  name: SignatureAlgorithmName;
  pair: { privateKey: KeyObject; publicKey: KeyObject };
  hash: HashAlgorithm;
}

const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ec521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');

const cases: KeyCase[] = [
  { name: 'ES256', pair: ec256, hash: SHA256 },
  { name: 'ES384', pair: ec384, hash: SHA384 },
  { name: 'ES512', pair: ec521, hash: SHA512 },
  { name: 'EdDSA', pair: ed, hash: SHA256 },
  { name: 'PS256', pair: rsa, hash: SHA256 },
  { name: 'PS384', pair: rsa, hash: SHA384 },
  { name: 'PS512', pair: rsa, hash: SHA512 },
];

const ALG_IDS: Record<SignatureAlgorithmName, number> = { ES256: -7, ES384: -35, ES512: -36, PS256: -37, PS384: -38, PS512: -39, EdDSA: -8 };

/** Two opaque "certificates": createSignedStatement carries x5chain bytes without reading them. */
const FAKE_CHAIN = [Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]), Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x02])];

function artifactFor(name: string): Uint8Array {
  return new TextEncoder().encode(`artifact bytes for ${name}\n`);
}

function statementInput(keyCase: KeyCase, variant: 'kid' | 'x5chain-1' | 'x5chain-2'): StatementToSign {
  return {
    hashAlgorithm: keyCase.hash,
    digest: digestBytes(keyCase.hash, artifactFor(keyCase.name)),
    issuer: ISSUER,
    subject: SUBJECT,
    issuedAt: ISSUED_AT,
    preimageContentType: 'application/vnd.example.widget+tar',
    location: 'https://downloads.example/widget-1.2.3.tgz',
    x5chain: variant === 'kid' ? undefined : variant === 'x5chain-1' ? FAKE_CHAIN.slice(0, 1) : FAKE_CHAIN,
  };
}

// ---------------------------------------------------------------------------------------------
// The independent verifier: cbor2 for the structure, noble / WebCrypto for the signature.

interface IndependentView {
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payload: Uint8Array;
  signature: Uint8Array;
}

function independentDecode(statement: Uint8Array): IndependentView {
  const outer = cbor2Decode(statement, { preferMap: true });
  if (!(outer instanceof Tag) || Number(outer.tag) !== 18) throw new Error('not a tag-18 COSE_Sign1');
  const parts = outer.contents;
  if (!Array.isArray(parts) || parts.length !== 4) throw new Error('COSE_Sign1 is not a four-item array');
  const [protectedBytes, unprotectedHeader, payload, signature] = parts as unknown[];
  if (!(protectedBytes instanceof Uint8Array) || !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    throw new Error('COSE_Sign1 items have the wrong types');
  }
  if (!(unprotectedHeader instanceof Map)) throw new Error('unprotected header is not a map');
  const protectedHeader = cbor2Decode(protectedBytes, { preferMap: true });
  if (!(protectedHeader instanceof Map)) throw new Error('protected header is not a map');
  return { protectedBytes, protectedHeader, unprotectedHeader, payload, signature };
}

/** ["Signature1", protected, h'', payload], encoded by cbor2. */
function independentSigStructure(view: IndependentView): Uint8Array {
  return cbor2Encode(['Signature1', view.protectedBytes, new Uint8Array(0), view.payload]);
}

function rawEcPoint(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
  return concat(Uint8Array.of(0x04), fromBase64url(jwk.x), fromBase64url(jwk.y));
}

async function independentVerify(name: SignatureAlgorithmName, publicKey: KeyObject, statement: Uint8Array): Promise<boolean> {
  const view = independentDecode(statement);
  if (view.protectedHeader.get(1) !== ALG_IDS[name]) return false;
  const toBeSigned = independentSigStructure(view);
  switch (name) {
    case 'ES256':
      return p256.verify(view.signature, toBeSigned, rawEcPoint(publicKey), { prehash: true, lowS: false, format: 'compact' });
    case 'ES384':
      return p384.verify(view.signature, toBeSigned, rawEcPoint(publicKey), { prehash: true, lowS: false, format: 'compact' });
    case 'ES512':
      return p521.verify(view.signature, toBeSigned, rawEcPoint(publicKey), { prehash: true, lowS: false, format: 'compact' });
    case 'EdDSA':
      return ed25519.verify(view.signature, toBeSigned, fromBase64url((publicKey.export({ format: 'jwk' }) as JsonWebKey).x));
    case 'PS256':
    case 'PS384':
    case 'PS512': {
      const bits = Number(name.slice(2));
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      const key = await globalThis.crypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: `SHA-${bits}` }, false, ['verify']);
      return globalThis.crypto.subtle.verify({ name: 'RSA-PSS', saltLength: bits / 8 }, key, view.signature, toBeSigned);
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('countersign statements under an independent COSE verifier (cbor2 + noble + WebCrypto)', () => {
  describe.each(cases)('$name', (keyCase) => {
    const signer = LocalSigner.from(keyCase.pair.privateKey, keyCase.name);

    it.each(['kid', 'x5chain-1', 'x5chain-2'] as const)('verifies with %s', async (variant) => {
      const statement = await createSignedStatement(statementInput(keyCase, variant), signer);
      await expect(independentVerify(keyCase.name, keyCase.pair.publicKey, statement)).resolves.toBe(true);
    });

    it('is rejected by the independent verifier once its signature is damaged (the check is not vacuous)', async () => {
      const statement = await createSignedStatement(statementInput(keyCase, 'kid'), signer);
      const damaged = statement.slice();
      damaged[damaged.length - 5] = (damaged[damaged.length - 5] as number) ^ 0x01;
      await expect(independentVerify(keyCase.name, keyCase.pair.publicKey, damaged)).resolves.toBe(false);
    });

    it('carries the hash-envelope protected header SCITT asks for', async () => {
      for (const variant of ['kid', 'x5chain-1', 'x5chain-2'] as const) {
        const input = statementInput(keyCase, variant);
        const view = independentDecode(await createSignedStatement(input, signer));
        const header = view.protectedHeader;
        expect(header.get(1)).toBe(ALG_IDS[keyCase.name]);
        const claims = header.get(15);
        expect(claims).toBeInstanceOf(Map);
        expect([...(claims as Map<unknown, unknown>).entries()]).toEqual([
          [1, ISSUER],
          [2, SUBJECT],
          [6, ISSUED_AT],
        ]);
        expect(header.get(258)).toBe(keyCase.hash.coseId);
        expect(header.get(259)).toBe('application/vnd.example.widget+tar');
        expect(header.get(260)).toBe('https://downloads.example/widget-1.2.3.tgz');
        expect(header.has(3)).toBe(false);
        if (variant === 'kid') {
          expect(header.get(4)).toEqual(signer.keyId);
          expect(header.has(33)).toBe(false);
        } else {
          expect(header.has(4)).toBe(false);
          const chain = header.get(33);
          // One certificate is written bare, several as an array (RFC 9360).
          if (variant === 'x5chain-1') expect(chain).toEqual(FAKE_CHAIN[0]);
          else expect(chain).toEqual(FAKE_CHAIN);
        }
        expect(view.payload).toEqual(input.digest);
        expect(view.unprotectedHeader.size).toBe(0);
        const coordinate = { ES256: 32, ES384: 48, ES512: 66 }[keyCase.name as 'ES256'];
        if (coordinate) expect(view.signature.length).toBe(2 * coordinate); // raw r||s, never DER
      }
    });

    it('is byte for byte the canonical (CDE) encoding cbor2 writes for the same values', async () => {
      for (const variant of ['kid', 'x5chain-1', 'x5chain-2'] as const) {
        const statement = await createSignedStatement(statementInput(keyCase, variant), signer);
        const view = independentDecode(statement);
        expect(hex(cbor2Encode(view.protectedHeader, { cde: true }))).toBe(hex(view.protectedBytes));
        expect(hex(cbor2Encode(cbor2Decode(statement, { preferMap: true }), { cde: true }))).toBe(hex(statement));
        expect(hex(independentSigStructure(view))).toBe(hex(sigStructure(view.protectedBytes, view.payload)));
      }
    });
  });

  it('agrees with cbor2 on the canonical encoding of assorted header-like values', () => {
    const values: unknown[] = [
      new Map<unknown, unknown>([
        [-1, 'a'],
        [1, -7],
        [258, -16],
        [15, new Map<unknown, unknown>([[6, 1_760_000_000], [1, 'iss'], ['zz', 'text key'], [2, 'sub']])],
        [33, [new Uint8Array(24), new Uint8Array(300)]],
        [4, new Uint8Array([1, 2, 3])],
        ['text label', true],
      ]),
      [0, 23, 24, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -24, -25, -256, -257, -65537],
      'x'.repeat(300),
      new Map<unknown, unknown>([[10, 1], [100, 2], [-1, 3], ['z', 4], ['aa', 5], [false, 6]]),
    ];
    for (const value of values) {
      expect(hex(encode(value as never))).toBe(hex(cbor2Encode(value, { cde: true })));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Damage: every bit of one ES256 statement, sampled bits for the other algorithms.

interface Verification {
  /** The whole verdict passed. */
  verified: boolean;
  /** Each check's outcome, by name. */
  checks: Record<string, string>;
}

function verifyOurs(statement: Uint8Array, artifact: { algorithm: HashAlgorithm; digest: Uint8Array }, policy: TrustPolicy): Verification {
  const verdict = verifyStatement({ statement, artifact, policy, allowUnlogged: true, now: new Date(ISSUED_AT * 1000) });
  return { verified: verdict.verified, checks: Object.fromEntries(verdict.checks.map((check) => [check.name, check.outcome])) };
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] = (out[bit >> 3] as number) ^ (0x80 >> (bit & 7));
  return out;
}

describe("single-bit damage fails countersign's verification", () => {
  const prepared = cases.map((keyCase) => {
    const signer = LocalSigner.from(keyCase.pair.privateKey, keyCase.name);
    const policy = addIssuer(emptyPolicy(), { iss: SMALL_ISSUER, key: keyCase.pair.publicKey });
    const artifact = artifactFor(keyCase.name);
    return { keyCase, signer, policy, artifact, digest: digestBytes(keyCase.hash, artifact) };
  });
  const small = async (entry: (typeof prepared)[number]): Promise<Uint8Array> =>
    createSignedStatement(
      { hashAlgorithm: entry.keyCase.hash, digest: entry.digest, issuer: SMALL_ISSUER, subject: 's', issuedAt: ISSUED_AT },
      entry.signer,
    );

  it.each(prepared)('$keyCase.name: the undamaged statement verifies (baseline)', async (entry) => {
    const statement = await small(entry);
    const result = verifyOurs(statement, { algorithm: entry.keyCase.hash, digest: entry.digest }, entry.policy);
    expect(result.checks).toMatchObject({ 'statement-format': 'pass', 'artifact-digest': 'pass', 'statement-signature': 'pass' });
    expect(result.verified).toBe(true);
  });

  it('ES256: every single flipped bit of the statement fails verification', async () => {
    const entry = prepared[0] as (typeof prepared)[number];
    const statement = await small(entry);
    expect(verifyOurs(statement, { algorithm: SHA256, digest: entry.digest }, entry.policy).verified).toBe(true);
    const survivors: string[] = [];
    for (let bit = 0; bit < statement.length * 8; bit++) {
      const damaged = flipBit(statement, bit);
      const result = verifyOurs(damaged, { algorithm: SHA256, digest: entry.digest }, entry.policy);
      if (result.verified) survivors.push(`bit ${bit} (byte ${bit >> 3}): ${hex(damaged)}`);
    }
    expect(statement.length).toBeGreaterThan(100);
    expect(survivors).toEqual([]);
  });

  it.each(prepared.slice(1))('$keyCase.name: sampled flipped bits of the statement fail verification', async (entry) => {
    const statement = await small(entry);
    expect(verifyOurs(statement, { algorithm: entry.keyCase.hash, digest: entry.digest }, entry.policy).verified).toBe(true);
    fc.assert(
      fc.property(fc.nat({ max: statement.length * 8 - 1 }), (bit) => {
        const result = verifyOurs(flipBit(statement, bit), { algorithm: entry.keyCase.hash, digest: entry.digest }, entry.policy);
        return !result.verified;
      }),
      { numRuns: 48 },
    );
    // The protected header, payload and signature boundaries are always tried.
    for (const bit of [0, 8, 16, 24, 8 * 4, statement.length * 8 - 1, statement.length * 4]) {
      expect(verifyOurs(flipBit(statement, bit), { algorithm: entry.keyCase.hash, digest: entry.digest }, entry.policy).verified).toBe(false);
    }
  });

  it('ES256: every flipped bit of the artifact digest, and of the artifact, fails the artifact check alone', async () => {
    const entry = prepared[0] as (typeof prepared)[number];
    const statement = await small(entry);
    for (let bit = 0; bit < entry.digest.length * 8; bit++) {
      const result = verifyOurs(statement, { algorithm: SHA256, digest: flipBit(entry.digest, bit) }, entry.policy);
      expect(result.verified).toBe(false);
      expect(result.checks['artifact-digest']).toBe('fail');
      expect(result.checks['statement-signature']).toBe('pass');
    }
    for (let bit = 0; bit < entry.artifact.length * 8; bit++) {
      const digest = digestBytes(SHA256, flipBit(entry.artifact, bit));
      expect(verifyOurs(statement, { algorithm: SHA256, digest }, entry.policy).checks['artifact-digest']).toBe('fail');
    }
  });

  it.each(prepared.slice(1))('$keyCase.name: sampled flipped bits of the artifact digest fail the artifact check', async (entry) => {
    const statement = await small(entry);
    fc.assert(
      fc.property(fc.nat({ max: entry.digest.length * 8 - 1 }), (bit) => {
        const result = verifyOurs(statement, { algorithm: entry.keyCase.hash, digest: flipBit(entry.digest, bit) }, entry.policy);
        return !result.verified && result.checks['artifact-digest'] === 'fail' && result.checks['statement-signature'] === 'pass';
      }),
      { numRuns: 32 },
    );
  });

  it('a digest of the right bytes in another hash algorithm fails the artifact check', async () => {
    const entry = prepared[0] as (typeof prepared)[number];
    const statement = await small(entry);
    for (const other of [SHA384, SHA512]) {
      const result = verifyOurs(statement, { algorithm: other, digest: digestBytes(other, entry.artifact) }, entry.policy);
      expect(result.checks['artifact-digest']).toBe('fail');
    }
  });
});
